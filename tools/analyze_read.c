/* analyze_read.c - bondsim-analyze's capture reader (see analyze.h).
 *
 * Why pcapng is read here and not through libpcap: libpcap opens a pcapng
 * file only when all its interfaces share one link type, and even then
 * pcap_next_ex() gives no interface id and no direction per packet.
 * bondsim's pcapng holds every interface of a simulation in one file, and
 * a capture taken with dumpcap on several slaves does too; per-interface
 * load needs the Enhanced Packet Block's interface id and epb_flags. So
 * this file walks the blocks itself, read only: SHB (either byte order,
 * several sections), IDB (link type, if_name, if_tsresol, if_tsoffset),
 * EPB, the obsolete PB and SPB; every other block is skipped. It is not a
 * libpcap replacement: classic pcap files (one interface each, e.g.
 * `tcpdump -w` or `bondsim run --pcap-format pcap`) go through libpcap.
 *
 * Several files are merged by time stamp (a k-way merge keeping one packet
 * ahead per file) so captures taken on each slave of a real server give
 * the bond's receive order. Within one file packets keep file order.
 */
/* libpcap's headers use the BSD types u_char and u_int, which glibc declares
 * only with _DEFAULT_SOURCE (the build asks for plain POSIX). */
#define _DEFAULT_SOURCE 1

#include "analyze.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "util/bytes.h"

/* pcapng block types and option codes (draft-ietf-opsawg-pcapng 4.1-4.4). */
#define NG_SHB 0x0A0D0D0Au
#define NG_IDB 1u
#define NG_PB 2u /* obsolete Packet Block: still written by old tools */
#define NG_SPB 3u
#define NG_EPB 6u
#define NG_BYTE_ORDER 0x1A2B3C4Du
#define NG_BYTE_ORDER_SWAPPED 0x4D3C2B1Au
#define NG_IF_NAME 2
#define NG_IF_TSRESOL 9
#define NG_IF_TSOFFSET 14
#define NG_EPB_FLAGS 2
#define NG_LINKTYPE_ETHERNET 1u
/* A block longer than this is taken as damage, not data (libpcap's own
 * limit for a pcapng block is 16 MiB). */
#define NG_MAX_BLOCK (16u * 1024 * 1024)

typedef struct {
    AnalyzeIface *iface; /* owned by the reader's ifaces */
    uint32_t linktype;
    uint64_t res;  /* time units per second: 10^n or 2^n */
    int64_t off_s; /* if_tsoffset */
} NgIdb;

typedef struct {
    char *path;
    pcap_t *pcap;   /* classic pcap: libpcap handle; else NULL */
    FILE *fp;       /* pcapng */
    bool swap;      /* pcapng section in the other byte order */
    GArray *idbs;   /* NgIdb of the current section */
    uint8_t *block; /* pcapng: the current block */
    size_t block_cap;
    uint64_t offset;          /* pcapng: file offset of the next block */
    uint64_t frames;          /* packets returned so far */
    uint64_t last_ts;         /* SPB: no time stamp of its own */
    AnalyzeIface *pcap_iface; /* classic pcap: its one interface */
    AnalyzePacket cur;        /* the packet ahead */
    bool has_cur;
    bool done;
} AnSource;

struct AnalyzeReader {
    GPtrArray *sources; /* AnSource, command-line order */
    GPtrArray *ifaces;  /* AnalyzeIface, owned, first appearance */
};

G_DEFINE_QUARK(bondsim - analyze - error - quark, analyze_error)

/* ------------------------------------------------------------------------ */
/* Interfaces                                                               */
/* ------------------------------------------------------------------------ */

static void an_iface_free(gpointer p)
{
    AnalyzeIface *ifc = p;
    g_free(ifc->name);
    g_free(ifc->file);
    g_array_free(ifc->bins, TRUE);
    g_free(ifc);
}

/* "dir/server_eth0.pcap" -> "server_eth0". Caller frees. */
static char *an_file_stem(const char *path)
{
    char *base = g_path_get_basename(path);
    char *dot = strrchr(base, '.');
    if (dot != NULL && dot != base)
        *dot = '\0';
    return base;
}

/* The interface `name` of the file `path`. A name already used by another
 * file is qualified with this file's base name ("b.pcapng:eth0") so two
 * servers' eth0 stay apart. A later section of the same file (pcapng
 * sections restart their interface list: concatenated captures) that
 * describes the name again gets the same interface, so its figures are not
 * split over two rows of one name. */
static AnalyzeIface *an_iface_add(AnalyzeReader *r, const char *path, const char *name)
{
    g_autofree char *full = g_strdup(name);
    for (guint i = 0; i < r->ifaces->len; i++) {
        const AnalyzeIface *o = r->ifaces->pdata[i];
        if (strcmp(o->name, name) == 0 && strcmp(o->file, path) != 0) {
            g_autofree char *base = g_path_get_basename(path);
            g_free(full);
            full = g_strdup_printf("%s:%s", base, name);
            break;
        }
    }
    for (guint i = 0; i < r->ifaces->len; i++) {
        AnalyzeIface *o = r->ifaces->pdata[i];
        if (strcmp(o->name, full) == 0 && strcmp(o->file, path) == 0)
            return o;
    }
    AnalyzeIface *ifc = g_new0(AnalyzeIface, 1);
    ifc->file = g_strdup(path);
    ifc->name = g_steal_pointer(&full);
    ifc->bins = g_array_new(FALSE, TRUE, sizeof(uint64_t));
    g_ptr_array_add(r->ifaces, ifc);
    return ifc;
}

/* ------------------------------------------------------------------------ */
/* pcapng                                                                   */
/* ------------------------------------------------------------------------ */

static uint32_t ng_u32(const AnSource *s, const uint8_t *p)
{
    return s->swap ? get_be32(p) : get_le32(p);
}

static uint16_t ng_u16(const AnSource *s, const uint8_t *p)
{
    return s->swap ? get_be16(p) : (uint16_t)(p[0] | (p[1] << 8));
}

static uint64_t ng_u64(const AnSource *s, const uint8_t *p)
{
    uint64_t a = ng_u32(s, p), b = ng_u32(s, p + 4);
    return s->swap ? (a << 32) | b : (b << 32) | a;
}

/* fread of exactly `n` bytes; *got says how many came. */
static gboolean ng_read_exact(AnSource *s, void *buf, size_t n, size_t *got)
{
    *got = fread(buf, 1, n, s->fp);
    return *got == n;
}

static gboolean ng_truncated(AnSource *s, uint32_t type, uint64_t want, size_t got, GError **error)
{
    g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_READ,
                "%s: truncated pcapng file: block at offset %" G_GUINT64_FORMAT
                " (type 0x%08x) declares %" G_GUINT64_FORMAT " bytes, only %zu present%s",
                s->path, s->offset, type, want, got, ferror(s->fp) ? " (read error)" : "");
    return FALSE;
}

/* Reads the next whole block into s->block; its type and total length out.
 * FALSE at a clean end of file (error unset) or on damage (error set). */
static gboolean ng_read_block(AnSource *s, uint32_t *type, uint32_t *total, GError **error)
{
    uint8_t head[12];
    size_t got;
    if (!ng_read_exact(s, head, 8, &got)) {
        if (got == 0 && !ferror(s->fp))
            return FALSE;
        return ng_truncated(s, got >= 4 ? ng_u32(s, head) : 0, 8, got, error);
    }
    *type = ng_u32(s, head);
    if (*type == NG_SHB) {
        if (!ng_read_exact(s, head + 8, 4, &got))
            return ng_truncated(s, *type, 12, 8 + got, error);
        uint32_t bom = get_le32(head + 8);
        if (bom != NG_BYTE_ORDER && bom != NG_BYTE_ORDER_SWAPPED) {
            g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_READ,
                        "%s: corrupt pcapng file: section header at offset %" G_GUINT64_FORMAT
                        " has byte-order magic 0x%08x",
                        s->path, s->offset, bom);
            return FALSE;
        }
        s->swap = bom == NG_BYTE_ORDER_SWAPPED;
    }
    *total = ng_u32(s, head + 4);
    size_t have = *type == NG_SHB ? 12 : 8;
    if (*total < 12 || *total % 4 != 0 || *total > NG_MAX_BLOCK || *total < have + 4) {
        g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_READ,
                    "%s: corrupt pcapng file: block at offset %" G_GUINT64_FORMAT
                    " (type 0x%08x) has length %u",
                    s->path, s->offset, *type, *total);
        return FALSE;
    }
    if (s->block_cap < *total) {
        s->block_cap = *total;
        s->block = g_realloc(s->block, s->block_cap);
    }
    memcpy(s->block, head, have);
    if (!ng_read_exact(s, s->block + have, *total - have, &got))
        return ng_truncated(s, *type, *total, have + got, error);
    if (ng_u32(s, s->block + *total - 4) != *total) {
        g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_READ,
                    "%s: corrupt pcapng file: block at offset %" G_GUINT64_FORMAT
                    " has trailing length %u, leading %u",
                    s->path, s->offset, ng_u32(s, s->block + *total - 4), *total);
        return FALSE;
    }
    s->offset += *total;
    return TRUE;
}

/* Calls `fn` for every option in [p, end); FALSE when an option overruns. */
typedef void (*NgOptFn)(AnSource *s, uint16_t code, const uint8_t *v, uint16_t len, void *user);

static gboolean ng_options(AnSource *s, const uint8_t *p, const uint8_t *end, NgOptFn fn,
                           void *user)
{
    while (end - p >= 4) {
        uint16_t code = ng_u16(s, p), len = ng_u16(s, p + 2);
        if (code == 0)
            return TRUE;
        size_t padded = ((size_t)len + 3u) & ~(size_t)3u;
        if ((size_t)(end - p - 4) < padded)
            return FALSE;
        fn(s, code, p + 4, len, user);
        p += 4 + padded;
    }
    return TRUE;
}

typedef struct {
    char *name;
    NgIdb idb;
} NgIdbOpts;

static void ng_idb_opt(AnSource *s, uint16_t code, const uint8_t *v, uint16_t len, void *user)
{
    NgIdbOpts *o = user;
    if (code == NG_IF_NAME && len > 0 && o->name == NULL) {
        o->name = g_strndup((const char *)v, len);
    } else if (code == NG_IF_TSRESOL && len >= 1) {
        int n = v[0] & 0x7f;
        bool pow2 = (v[0] & 0x80) != 0;
        if ((pow2 && n <= 63) || (!pow2 && n <= 19)) {
            uint64_t res = 1;
            for (int i = 0; i < n; i++)
                res *= pow2 ? 2 : 10;
            o->idb.res = res;
        }
    } else if (code == NG_IF_TSOFFSET && len >= 8) {
        o->idb.off_s = (int64_t)ng_u64(s, v);
    }
}

static gboolean ng_corrupt(AnSource *s, uint64_t at, const char *what, GError **error)
{
    g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_READ,
                "%s: corrupt pcapng file: block at offset %" G_GUINT64_FORMAT ": %s", s->path, at,
                what);
    return FALSE;
}

static gboolean ng_idb(AnalyzeReader *r, AnSource *s, uint32_t total, GError **error)
{
    uint64_t at = s->offset - total;
    if (total < 20)
        return ng_corrupt(s, at, "interface description block too short", error);
    NgIdbOpts o = {NULL, {NULL, ng_u16(s, s->block + 8), 1000000, 0}};
    if (!ng_options(s, s->block + 16, s->block + total - 4, ng_idb_opt, &o)) {
        g_free(o.name);
        return ng_corrupt(s, at, "an interface option overruns its block", error);
    }
    if (o.idb.linktype != NG_LINKTYPE_ETHERNET) {
        const char *lt = pcap_datalink_val_to_name((int)o.idb.linktype);
        g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_LINKTYPE,
                    "%s: interface %u (%s) has link type %u (%s), not Ethernet: bondsim-analyze "
                    "reads Ethernet frames only: capture on the slaves or the bond, not on 'any'",
                    s->path, s->idbs->len, o.name ? o.name : "unnamed", o.idb.linktype,
                    lt ? lt : "unknown");
        g_free(o.name);
        return FALSE;
    }
    /* no if_name (editcap, mergecap): named after the file, as a classic
     * pcap file is; "#N" from the second interface on */
    g_autofree char *base = an_file_stem(s->path);
    g_autofree char *fallback =
        s->idbs->len ? g_strdup_printf("%s#%u", base, s->idbs->len) : g_strdup(base);
    o.idb.iface = an_iface_add(r, s->path, o.name ? o.name : fallback);
    g_free(o.name);
    g_array_append_val(s->idbs, o.idb);
    return TRUE;
}

/* Time stamp units to ns, without overflow for any resolution. */
static uint64_t ng_ts_ns(const NgIdb *idb, uint64_t ts)
{
    uint64_t ns;
    if (idb->res == 1000000000)
        ns = ts;
    else if (idb->res < 1000000000 && 1000000000 % idb->res == 0)
        ns = ts * (1000000000 / idb->res);
    else {
        /* a damaged time stamp must not make the conversion overflow */
        long double v = (long double)ts * 1e9L / (long double)idb->res;
        ns = v < 18446744073709551616.0L ? (uint64_t)v : UINT64_MAX;
    }
    return ns + (uint64_t)idb->off_s * 1000000000u;
}

static void ng_epb_flags(AnSource *s, uint16_t code, const uint8_t *v, uint16_t len, void *user)
{
    if (code == NG_EPB_FLAGS && len >= 4) {
        uint32_t dir = ng_u32(s, v) & 3u;
        *(AnalyzeDir *)user = dir == 1   ? ANALYZE_DIR_IN
                              : dir == 2 ? ANALYZE_DIR_OUT
                                         : ANALYZE_DIR_UNKNOWN;
    }
}

/* EPB and PB: [if][ts hi][ts lo][caplen][len][data][options]; the PB has
 * a 16-bit interface id and a 16-bit drop count in the first word. */
static gboolean ng_packet(AnSource *s, uint32_t type, uint32_t total, GError **error)
{
    uint64_t at = s->offset - total;
    if (total < 32)
        return ng_corrupt(s, at, "packet block too short", error);
    const uint8_t *b = s->block;
    uint32_t ifid = type == NG_PB ? ng_u16(s, b + 8) : ng_u32(s, b + 8);
    uint32_t caplen = ng_u32(s, b + 20);
    if (ifid >= s->idbs->len) {
        g_autofree char *what =
            g_strdup_printf("packet for interface %u, but %u described", ifid, s->idbs->len);
        return ng_corrupt(s, at, what, error);
    }
    if (caplen > total - 32)
        return ng_corrupt(s, at, "captured length runs past the block", error);
    const NgIdb *idb = &g_array_index(s->idbs, NgIdb, ifid);
    uint64_t ts = ((uint64_t)ng_u32(s, b + 12) << 32) | ng_u32(s, b + 16);
    AnalyzePacket *p = &s->cur;
    p->ts_ns = ng_ts_ns(idb, ts);
    p->caplen = caplen;
    p->len = ng_u32(s, b + 24);
    p->data = b + 28;
    p->dir = ANALYZE_DIR_UNKNOWN;
    p->iface = idb->iface;
    uint32_t opt = 28 + ((caplen + 3u) & ~3u);
    if (!ng_options(s, b + opt, b + total - 4, ng_epb_flags, &p->dir))
        return ng_corrupt(s, at, "a packet option overruns its block", error);
    return TRUE;
}

/* SPB: [original len][data]; interface 0, no time stamp (the last one). */
static gboolean ng_simple(AnSource *s, uint32_t total, GError **error)
{
    uint64_t at = s->offset - total;
    if (total < 16)
        return ng_corrupt(s, at, "simple packet block too short", error);
    if (s->idbs->len == 0)
        return ng_corrupt(s, at, "simple packet block before any interface", error);
    uint32_t len = ng_u32(s, s->block + 8);
    AnalyzePacket *p = &s->cur;
    p->ts_ns = s->last_ts;
    p->len = len;
    p->caplen = MIN(len, total - 16);
    p->data = s->block + 12;
    p->dir = ANALYZE_DIR_UNKNOWN;
    p->iface = g_array_index(s->idbs, NgIdb, 0).iface;
    return TRUE;
}

/* Advances to the next packet of a pcapng file. */
static gboolean ng_next(AnalyzeReader *r, AnSource *s, GError **error)
{
    uint32_t type, total;
    for (;;) {
        if (!ng_read_block(s, &type, &total, error))
            return FALSE;
        if (s->offset == total && type != NG_SHB)
            return ng_corrupt(s, 0, "the file does not start with a section header", error);
        if (type == NG_SHB) {
            g_array_set_size(s->idbs, 0); /* a new section: new interfaces */
        } else if (type == NG_IDB) {
            if (!ng_idb(r, s, total, error))
                return FALSE;
        } else if (type == NG_EPB || type == NG_PB) {
            return ng_packet(s, type, total, error);
        } else if (type == NG_SPB) {
            return ng_simple(s, total, error);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Classic pcap, through libpcap                                            */
/* ------------------------------------------------------------------------ */

/* libpcap messages sometimes start with the file name already. */
static const char *an_strip_path(const char *msg, const char *path)
{
    size_t n = strlen(path);
    if (strncmp(msg, path, n) == 0 && strncmp(msg + n, ": ", 2) == 0)
        return msg + n + 2;
    return msg;
}

/* The interface of a classic file is named after it: "server_eth0.pcap"
 * gives "server_eth0" (bondsim's --pcap-format pcap writes one file per
 * interface, '/' replaced by '_'). */
static gboolean pcap_source_open(AnalyzeReader *r, AnSource *s, GError **error)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    s->pcap = pcap_open_offline_with_tstamp_precision(s->path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (s->pcap == NULL) {
        g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_OPEN, "%s: cannot read the capture: %s",
                    s->path, an_strip_path(errbuf, s->path));
        return FALSE;
    }
    int dlt = pcap_datalink(s->pcap);
    if (dlt != DLT_EN10MB) {
        const char *name = pcap_datalink_val_to_name(dlt);
        g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_LINKTYPE,
                    "%s: link type %d (%s) is not Ethernet: bondsim-analyze reads Ethernet "
                    "frames only: capture on the slaves or the bond, not on 'any'",
                    s->path, dlt, name ? name : "unknown");
        return FALSE;
    }
    g_autofree char *base = an_file_stem(s->path);
    s->pcap_iface = an_iface_add(r, s->path, base);
    return TRUE;
}

static gboolean pcap_next_packet(AnSource *s, GError **error)
{
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int rc = pcap_next_ex(s->pcap, &hdr, &data);
    if (rc == PCAP_ERROR_BREAK)
        return FALSE;
    if (rc != 1) {
        g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_READ,
                    "%s: cannot read frame %" G_GUINT64_FORMAT ": %s", s->path, s->frames + 1,
                    an_strip_path(pcap_geterr(s->pcap), s->path));
        return FALSE;
    }
    AnalyzePacket *p = &s->cur;
    p->ts_ns = (uint64_t)hdr->ts.tv_sec * 1000000000u + (uint64_t)hdr->ts.tv_usec;
    p->caplen = hdr->caplen;
    p->len = hdr->len;
    p->data = data;
    p->dir = ANALYZE_DIR_UNKNOWN;
    p->iface = s->pcap_iface;
    return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Sources and the merge                                                    */
/* ------------------------------------------------------------------------ */

static void an_source_free(gpointer p)
{
    AnSource *s = p;
    if (s->pcap)
        pcap_close(s->pcap);
    if (s->fp)
        fclose(s->fp);
    g_array_free(s->idbs, TRUE);
    g_free(s->block);
    g_free(s->path);
    g_free(s);
}

/* Fills s->cur with the file's next packet (or marks it done). */
static gboolean an_source_advance(AnalyzeReader *r, AnSource *s, GError **error)
{
    GError *err = NULL;
    s->has_cur = s->pcap ? pcap_next_packet(s, &err) : ng_next(r, s, &err);
    if (err != NULL) {
        g_propagate_error(error, err);
        return FALSE;
    }
    if (s->has_cur) {
        s->frames++;
        s->last_ts = s->cur.ts_ns;
    } else {
        s->done = true;
    }
    return TRUE;
}

static gboolean an_source_open(AnalyzeReader *r, AnSource *s, GError **error)
{
    s->fp = fopen(s->path, "rb");
    if (s->fp == NULL) {
        g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_OPEN, "%s: cannot open: %s", s->path,
                    g_strerror(errno));
        return FALSE;
    }
    uint8_t magic[4] = {0};
    size_t got = fread(magic, 1, 4, s->fp);
    if (got == 0 && feof(s->fp)) {
        g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_OPEN,
                    "%s: empty file (0 bytes): not a pcap or pcapng capture", s->path);
        return FALSE;
    }
    if (got == 4 && get_le32(magic) == NG_SHB) {
        rewind(s->fp);
        return an_source_advance(r, s, error);
    }
    fclose(s->fp);
    s->fp = NULL;
    if (!pcap_source_open(r, s, error))
        return FALSE;
    return an_source_advance(r, s, error);
}

AnalyzeReader *analyze_reader_new(const char *const *paths, GError **error)
{
    g_return_val_if_fail(paths != NULL && paths[0] != NULL, NULL);
    AnalyzeReader *r = g_new0(AnalyzeReader, 1);
    r->sources = g_ptr_array_new_with_free_func(an_source_free);
    r->ifaces = g_ptr_array_new_with_free_func(an_iface_free);
    for (const char *const *p = paths; *p != NULL; p++) {
        AnSource *s = g_new0(AnSource, 1);
        s->path = g_strdup(*p);
        s->idbs = g_array_new(FALSE, TRUE, sizeof(NgIdb));
        g_ptr_array_add(r->sources, s);
        if (!an_source_open(r, s, error)) {
            analyze_reader_free(r);
            return NULL;
        }
    }
    return r;
}

void analyze_reader_free(AnalyzeReader *r)
{
    if (r == NULL)
        return;
    g_ptr_array_free(r->sources, TRUE);
    g_ptr_array_free(r->ifaces, TRUE);
    g_free(r);
}

/* The packet handed out last is consumed lazily: its file advances at the
 * next call, so the borrowed data stays valid until then. */
gboolean analyze_reader_next(AnalyzeReader *r, AnalyzePacket *pkt, GError **error)
{
    g_return_val_if_fail(r != NULL && pkt != NULL, FALSE);
    for (guint i = 0; i < r->sources->len; i++) {
        AnSource *s = r->sources->pdata[i];
        if (!s->has_cur && !s->done && !an_source_advance(r, s, error))
            return FALSE;
    }
    AnSource *best = NULL;
    for (guint i = 0; i < r->sources->len; i++) {
        AnSource *s = r->sources->pdata[i];
        if (s->has_cur && (best == NULL || s->cur.ts_ns < best->cur.ts_ns))
            best = s;
    }
    if (best == NULL)
        return FALSE;
    *pkt = best->cur;
    best->has_cur = false;
    return TRUE;
}

GPtrArray *analyze_reader_ifaces(AnalyzeReader *r)
{
    return r->ifaces;
}
