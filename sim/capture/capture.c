/* capture.c - capture output: a hand-written pcapng writer, and classic pcap
 * files through libpcap's dump API (see capture.h).
 *
 * Why pcapng is written by hand: libpcap can read pcapng but has no API to
 * write it (pcap_dump_open() only writes the classic format, whose per-file
 * header holds a single link type and snaplen and no per-packet comment,
 * direction or statistics). One pcapng file holds every interface of the
 * simulation, so the blocks are composed here.
 *
 * pcapng layout written (little-endian; every block is
 * [type u32][total length u32][body][options][total length u32], lengths
 * and option values padded to 32 bits; an option is [code u16][len u16]
 * [value][pad], a list of options ends with opt_endofopt (code 0, len 0)):
 *
 *   SHB   0x0A0D0D0A  magic 0x1A2B3C4D, version 1.0, section length -1;
 *                     opt_comment (1), shb_userappl (4) "bondsim <version>"
 *   IDB   1           per interface, at the first packet or at finish:
 *                     link type 1 (Ethernet), reserved, snaplen;
 *                     if_name (2), if_description (3), if_MACaddr (6),
 *                     if_speed (8, u64), if_tsresol (9) = 9 (nanoseconds)
 *   NRB   4           if any names: nrb_record_ipv4 (1) records
 *                     [addr 4][name NUL][pad] and nrb_record_ipv6 (2)
 *                     records [addr 16][name NUL][pad], then
 *                     nrb_record_end (0)
 *   EPB   6           per frame: interface id, timestamp ns (high u32, low
 *                     u32), captured len, original len, data + pad;
 *                     epb_flags (2, u32: direction bits 0-1, 01 in, 10 out),
 *                     opt_comment (1)
 *   ISB   5           per interface at finish: interface id, timestamp =
 *                     end time ns; isb_endtime (3, high/low u32),
 *                     isb_ifrecv (4), isb_ifdrop (5), isb_osdrop (7) (u64)
 *
 * Nothing of the host (hardware, OS, hostname, wall clock) is written: the
 * same run gives the same bytes. Interfaces and names added after the first
 * packet are written in further IDBs/NRBs before the next packet (pcapng
 * allows that; the header still asks callers not to rely on it).
 *
 * Cold blocks (SHB, IDB, NRB, ISB) are built in a GByteArray. Packets go
 * through a private 1 MiB buffer drained with fwrite on an unbuffered FILE:
 * stdio locks the stream on every call and an EPB is up to eight pieces, so
 * the hot path is memcpy only, with no allocation or formatting. The first
 * write error is kept and reported by capture_finish(); later writes are
 * skipped.
 */
/* libpcap's headers use the BSD types u_char, u_int and u_short, which glibc
 * declares only with _DEFAULT_SOURCE (the build asks for plain POSIX). */
#define _DEFAULT_SOURCE 1

#include "capture/capture.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/bytes.h"

#ifndef BONDSIM_VERSION
#define BONDSIM_VERSION "dev"
#endif

/* libpcap's MAXIMUM_SNAPLEN: readers refuse or clip larger values, and it
 * keeps an EPB's total length far from the u32 limit. */
#define CAPTURE_MAX_SNAPLEN 262144u
#define CAPTURE_OUTBUF_BYTES ((size_t)1 << 20)
#define CAPTURE_TMP_SUFFIX ".tmp"

/* The header declares no error codes: every failure is an I/O failure whose
 * message says what and why. */
#define CAPTURE_ERROR_FAILED 0

/* pcapng block types and option codes (pcapng spec, draft-ietf-opsawg-pcapng,
 * sections 4.1-4.6). */
#define PCAPNG_BT_SHB 0x0A0D0D0Au
#define PCAPNG_BT_IDB 1u
#define PCAPNG_BT_NRB 4u
#define PCAPNG_BT_ISB 5u
#define PCAPNG_BT_EPB 6u
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define PCAPNG_LINKTYPE_ETHERNET 1u

#define PCAPNG_OPT_ENDOFOPT 0
#define PCAPNG_OPT_COMMENT 1
#define PCAPNG_SHB_USERAPPL 4
#define PCAPNG_IF_NAME 2
#define PCAPNG_IF_DESCRIPTION 3
#define PCAPNG_IF_MACADDR 6
#define PCAPNG_IF_SPEED 8
#define PCAPNG_IF_TSRESOL 9
#define PCAPNG_EPB_FLAGS 2
#define PCAPNG_ISB_ENDTIME 3
#define PCAPNG_ISB_IFRECV 4
#define PCAPNG_ISB_IFDROP 5
#define PCAPNG_ISB_OSDROP 7
#define PCAPNG_NRB_RECORD_END 0
#define PCAPNG_NRB_RECORD_IPV4 1
#define PCAPNG_NRB_RECORD_IPV6 2

#define PCAPNG_TSRESOL_NS 9           /* 10^-9 s */
#define PCAPNG_EPB_FLAG_INBOUND 0x1u  /* direction bits 0-1 = 01 */
#define PCAPNG_EPB_FLAG_OUTBOUND 0x2u /* direction bits 0-1 = 10 */
#define PCAPNG_EPB_FIXED_BYTES 28u    /* type .. original length */
#define PCAPNG_OPT_VALUE_MAX 65532u   /* u16 length, kept a multiple of 4 */
#define PCAPNG_NRB_RECORD_MAX 65535u  /* u16 record length: addr + name + NUL */

/* ------------------------------------------------------------------------
 * Types
 * ------------------------------------------------------------------------ */

typedef struct {
    char *name;            /* "server/eth0" */
    char *description;     /* NULL: option left out */
    uint8_t mac[6];        /* valid when has_mac */
    gboolean has_mac;      /* if_MACaddr written */
    uint64_t speed_bps;    /* 0 = unknown: option left out */
    char *final_path;      /* CAPTURE_PCAP: "<dir>/<name>.pcap" */
    char *tmp_path;        /* CAPTURE_PCAP: final_path + ".tmp"; NULL if never opened */
    pcap_dumper_t *dumper; /* CAPTURE_PCAP: NULL when closed or never opened */
    FILE *dump_fp;         /* CAPTURE_PCAP: the dumper's stream, for ferror() */
} CaptureIf;

typedef struct {
    uint8_t addr[16]; /* network byte order */
    uint8_t addr_len; /* 4 (IPv4) or 16 (IPv6) */
    char *name;       /* clipped to what an NRB record can hold */
} CaptureName;

struct Capture {
    CaptureFormat format;
    uint32_t snaplen;     /* caplen never exceeds it */
    char *final_path;     /* pcapng: the file; pcap: the directory; NONE: NULL */
    char *tmp_path;       /* pcapng: final_path + ".tmp" */
    FILE *fp;             /* pcapng: unbuffered, fed from buf */
    uint8_t *buf;         /* pcapng: CAPTURE_OUTBUF_BYTES output buffer */
    size_t buf_used;      /* bytes pending in buf */
    GPtrArray *ifaces;    /* CaptureIf *, owned, in index order */
    GPtrArray *names;     /* CaptureName *, owned, in insertion order */
    guint ifaces_written; /* pcapng: IDBs written so far */
    guint names_written;  /* pcapng: names written in NRBs so far */
    pcap_t *dead;         /* pcap: the handle every dumper is opened from */
    gboolean made_dir;    /* pcap: the directory was created here (removed on failure) */
    uint64_t packets;     /* frames recorded */
    GError *error;        /* first I/O error, reported by capture_finish */
};

GQuark capture_error_quark(void)
{
    return g_quark_from_static_string("bondsim-capture-error-quark");
}

/* ------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------ */

static inline uint32_t pad4(size_t n)
{
    return (uint32_t)((4 - (n & 3)) & 3);
}

/* Length of `s` clipped to `max` bytes without cutting a UTF-8 sequence. */
static size_t utf8_clip_len(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((uint8_t)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* Keeps the first error only; later ones are consequences of it. */
static void capture_fail_errno(Capture *cap, const char *what, const char *path, int errsv)
{
    if (cap->error == NULL)
        g_set_error(&cap->error, CAPTURE_ERROR, CAPTURE_ERROR_FAILED, "%s '%s': %s", what, path,
                    g_strerror(errsv));
}

static void capture_if_free(gpointer p)
{
    CaptureIf *ifc = p;
    g_free(ifc->name);
    g_free(ifc->description);
    g_free(ifc->final_path);
    g_free(ifc->tmp_path);
    g_free(ifc);
}

static void capture_name_free(gpointer p)
{
    CaptureName *nm = p;
    g_free(nm->name);
    g_free(nm);
}

/* ------------------------------------------------------------------------
 * Output buffer (pcapng)
 * ------------------------------------------------------------------------ */

static void out_write_file(Capture *cap, const void *p, size_t n)
{
    if (cap->error != NULL || n == 0)
        return;
    errno = 0;
    if (fwrite(p, 1, n, cap->fp) != n)
        capture_fail_errno(cap, "cannot write capture file", cap->tmp_path, errno ? errno : EIO);
}

static void out_flush(Capture *cap)
{
    out_write_file(cap, cap->buf, cap->buf_used);
    cap->buf_used = 0;
}

static inline void out_put(Capture *cap, const void *p, size_t n)
{
    if (G_UNLIKELY(cap->buf_used + n > CAPTURE_OUTBUF_BYTES)) {
        out_flush(cap);
        if (n > CAPTURE_OUTBUF_BYTES) {
            out_write_file(cap, p, n);
            return;
        }
    }
    memcpy(cap->buf + cap->buf_used, p, n);
    cap->buf_used += n;
}

static inline void out_put_pad(Capture *cap, size_t n)
{
    static const uint8_t zeros[4];
    out_put(cap, zeros, n);
}

/* ------------------------------------------------------------------------
 * Cold block builder: body and options into a GByteArray, lengths patched
 * when the block is complete.
 * ------------------------------------------------------------------------ */

typedef struct {
    GByteArray *bytes; /* the block so far, total length still 0 */
    gboolean has_opts; /* at least one option: end with opt_endofopt */
} PcapngBlock;

static void blk_u16(PcapngBlock *b, uint16_t v)
{
    uint8_t tmp[2];
    put_le16(tmp, v);
    g_byte_array_append(b->bytes, tmp, sizeof tmp);
}

static void blk_u32(PcapngBlock *b, uint32_t v)
{
    uint8_t tmp[4];
    put_le32(tmp, v);
    g_byte_array_append(b->bytes, tmp, sizeof tmp);
}

/* A pcapng timestamp: high 32 bits then low 32 bits, each little-endian
 * (EPB/ISB header and isb_endtime alike; it is not a plain u64). */
static void blk_ts(PcapngBlock *b, uint64_t ns)
{
    blk_u32(b, (uint32_t)(ns >> 32));
    blk_u32(b, (uint32_t)ns);
}

static void blk_pad(PcapngBlock *b, size_t n)
{
    static const uint8_t zeros[4];
    g_byte_array_append(b->bytes, zeros, (guint)n);
}

static PcapngBlock blk_begin(uint32_t type)
{
    PcapngBlock b = {g_byte_array_sized_new(256), FALSE};
    blk_u32(&b, type);
    blk_u32(&b, 0); /* total length, patched by blk_write */
    return b;
}

static void blk_opt(PcapngBlock *b, uint16_t code, const void *value, size_t len)
{
    g_assert(len <= 0xFFFF);
    blk_u16(b, code);
    blk_u16(b, (uint16_t)len);
    g_byte_array_append(b->bytes, value, (guint)len);
    blk_pad(b, pad4(len));
    b->has_opts = TRUE;
}

static void blk_opt_str(PcapngBlock *b, uint16_t code, const char *s)
{
    if (s != NULL && s[0] != '\0')
        blk_opt(b, code, s, utf8_clip_len(s, PCAPNG_OPT_VALUE_MAX));
}

static void blk_opt_u64(PcapngBlock *b, uint16_t code, uint64_t v)
{
    uint8_t tmp[8];
    put_le64(tmp, v);
    blk_opt(b, code, tmp, sizeof tmp);
}

static void blk_opt_ts(PcapngBlock *b, uint16_t code, uint64_t ns)
{
    uint8_t tmp[8];
    put_le32(tmp, (uint32_t)(ns >> 32));
    put_le32(tmp + 4, (uint32_t)ns);
    blk_opt(b, code, tmp, sizeof tmp);
}

/* Ends the options, patches and appends the total length, writes, frees. */
static void blk_write(Capture *cap, PcapngBlock *b)
{
    if (b->has_opts) {
        blk_u16(b, PCAPNG_OPT_ENDOFOPT);
        blk_u16(b, 0);
    }
    uint32_t total = b->bytes->len + 4;
    g_assert(total % 4 == 0);
    blk_u32(b, total);
    put_le32(b->bytes->data + 4, total);
    out_put(cap, b->bytes->data, b->bytes->len);
    g_byte_array_unref(b->bytes);
    b->bytes = NULL;
}

/* ------------------------------------------------------------------------
 * pcapng blocks
 * ------------------------------------------------------------------------ */

static void pcapng_write_shb(Capture *cap, const char *comment)
{
    PcapngBlock b = blk_begin(PCAPNG_BT_SHB);
    blk_u32(&b, PCAPNG_BYTE_ORDER_MAGIC);
    blk_u16(&b, 1);           /* major version */
    blk_u16(&b, 0);           /* minor version */
    blk_u32(&b, 0xFFFFFFFFu); /* section length -1: not given */
    blk_u32(&b, 0xFFFFFFFFu);
    blk_opt_str(&b, PCAPNG_OPT_COMMENT, comment);
    blk_opt_str(&b, PCAPNG_SHB_USERAPPL, "bondsim " BONDSIM_VERSION);
    blk_write(cap, &b);
}

static void pcapng_write_idb(Capture *cap, const CaptureIf *ifc)
{
    static const uint8_t tsresol = PCAPNG_TSRESOL_NS;
    PcapngBlock b = blk_begin(PCAPNG_BT_IDB);
    blk_u16(&b, PCAPNG_LINKTYPE_ETHERNET);
    blk_u16(&b, 0); /* reserved */
    blk_u32(&b, cap->snaplen);
    blk_opt_str(&b, PCAPNG_IF_NAME, ifc->name);
    blk_opt_str(&b, PCAPNG_IF_DESCRIPTION, ifc->description);
    if (ifc->has_mac)
        blk_opt(&b, PCAPNG_IF_MACADDR, ifc->mac, sizeof ifc->mac);
    if (ifc->speed_bps != 0)
        blk_opt_u64(&b, PCAPNG_IF_SPEED, ifc->speed_bps);
    blk_opt(&b, PCAPNG_IF_TSRESOL, &tsresol, 1);
    blk_write(cap, &b);
}

/* One NRB holding names [from, to). */
static void pcapng_write_nrb(Capture *cap, guint from, guint to)
{
    PcapngBlock b = blk_begin(PCAPNG_BT_NRB);
    for (guint i = from; i < to; i++) {
        const CaptureName *nm = g_ptr_array_index(cap->names, i);
        size_t len = nm->addr_len + strlen(nm->name) + 1;
        blk_u16(&b, nm->addr_len == 16 ? PCAPNG_NRB_RECORD_IPV6 : PCAPNG_NRB_RECORD_IPV4);
        blk_u16(&b, (uint16_t)len);
        g_byte_array_append(b.bytes, nm->addr, nm->addr_len);
        g_byte_array_append(b.bytes, (const uint8_t *)nm->name, (guint)(len - nm->addr_len));
        blk_pad(&b, pad4(len));
    }
    blk_u16(&b, PCAPNG_NRB_RECORD_END);
    blk_u16(&b, 0);
    blk_write(cap, &b);
}

static void pcapng_write_isb(Capture *cap, guint ifindex, const CaptureIfStats *st, uint64_t end_ns)
{
    PcapngBlock b = blk_begin(PCAPNG_BT_ISB);
    blk_u32(&b, ifindex);
    blk_ts(&b, end_ns);
    blk_opt_ts(&b, PCAPNG_ISB_ENDTIME, end_ns);
    if (st != NULL) {
        blk_opt_u64(&b, PCAPNG_ISB_IFRECV, st->rx_frames);
        blk_opt_u64(&b, PCAPNG_ISB_IFDROP, st->rx_drops);
        blk_opt_u64(&b, PCAPNG_ISB_OSDROP, st->tx_drops);
    }
    blk_write(cap, &b);
}

/* IDBs and NRB for everything added since the last call. */
static void pcapng_write_pending(Capture *cap)
{
    for (; cap->ifaces_written < cap->ifaces->len; cap->ifaces_written++)
        pcapng_write_idb(cap, g_ptr_array_index(cap->ifaces, cap->ifaces_written));
    if (cap->names_written < cap->names->len) {
        pcapng_write_nrb(cap, cap->names_written, cap->names->len);
        cap->names_written = cap->names->len;
    }
}

/* A comment holding '\n' becomes one opt_comment per line, so several notes
 * on one frame show as several comments in Wireshark. Returns the bytes of
 * those options for the first `clen` bytes of `comment`. */
static uint32_t comment_options_len(const char *comment, size_t clen)
{
    uint32_t n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= clen; i++) {
        if (i == clen || comment[i] == '\n') {
            size_t seg = i - start;
            if (seg)
                n += 4 + (uint32_t)seg + pad4(seg);
            start = i + 1;
        }
    }
    return n;
}

/* Bytes of the EPB options: epb_flags, opt_comment(s), opt_endofopt. */
static inline uint32_t epb_options_len(uint32_t flags, const char *comment, size_t clen)
{
    uint32_t n = (flags ? 8 : 0) + (clen ? comment_options_len(comment, clen) : 0);
    return n ? n + 4 : 0;
}

static void epb_put_comments(Capture *cap, const char *comment, size_t clen)
{
    uint8_t tmp[4];
    size_t start = 0;
    for (size_t i = 0; i <= clen; i++) {
        if (i != clen && comment[i] != '\n')
            continue;
        size_t seg = i - start;
        if (seg) {
            put_le16(tmp, PCAPNG_OPT_COMMENT);
            put_le16(tmp + 2, (uint16_t)seg);
            out_put(cap, tmp, 4);
            out_put(cap, comment + start, seg);
            out_put_pad(cap, pad4(seg));
        }
        start = i + 1;
    }
}

/* Writes the options and the trailing total length. */
static inline void epb_put_tail(Capture *cap, uint32_t flags, const char *comment, size_t clen,
                                uint32_t total)
{
    uint8_t tmp[8];
    if (flags) {
        put_le16(tmp, PCAPNG_EPB_FLAGS);
        put_le16(tmp + 2, 4);
        put_le32(tmp + 4, flags);
        out_put(cap, tmp, 8);
    }
    if (clen)
        epb_put_comments(cap, comment, clen);
    size_t n = 0;
    if (flags || clen) {
        put_le32(tmp, 0); /* opt_endofopt: code 0, length 0 */
        n = 4;
    }
    put_le32(tmp + n, total);
    out_put(cap, tmp, n + 4);
}

/* Hot path: the EPB goes straight into the output buffer, no allocation. */
static void pcapng_write_epb(Capture *cap, uint32_t ifindex, uint64_t time_ps, const uint8_t *data,
                             uint32_t caplen, uint32_t len, CaptureDir dir, const char *comment)
{
    uint64_t ns = time_ps / 1000;
    uint32_t flags = dir == CAPTURE_DIR_IN    ? PCAPNG_EPB_FLAG_INBOUND
                     : dir == CAPTURE_DIR_OUT ? PCAPNG_EPB_FLAG_OUTBOUND
                                              : 0;
    size_t clen = comment != NULL ? utf8_clip_len(comment, PCAPNG_OPT_VALUE_MAX) : 0;
    uint32_t total =
        PCAPNG_EPB_FIXED_BYTES + caplen + pad4(caplen) + epb_options_len(flags, comment, clen) + 4;

    uint8_t hdr[PCAPNG_EPB_FIXED_BYTES];
    put_le32(hdr, PCAPNG_BT_EPB);
    put_le32(hdr + 4, total);
    put_le32(hdr + 8, ifindex);
    put_le32(hdr + 12, (uint32_t)(ns >> 32));
    put_le32(hdr + 16, (uint32_t)ns);
    put_le32(hdr + 20, caplen);
    put_le32(hdr + 24, len);
    out_put(cap, hdr, sizeof hdr);
    out_put(cap, data, caplen);
    out_put_pad(cap, pad4(caplen));
    epb_put_tail(cap, flags, comment, clen, total);
}

/* ------------------------------------------------------------------------
 * pcapng file: open, finish, discard
 * ------------------------------------------------------------------------ */

static gboolean pcapng_open(Capture *cap, const char *path, const char *shb_comment, GError **error)
{
    cap->final_path = g_strdup(path);
    cap->tmp_path = g_strconcat(path, CAPTURE_TMP_SUFFIX, NULL);
    cap->fp = g_fopen(cap->tmp_path, "wb");
    if (cap->fp == NULL) {
        int errsv = errno;
        g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_FAILED,
                    "capture file '%s': cannot create '%s': %s", path, cap->tmp_path,
                    g_strerror(errsv));
        g_clear_pointer(&cap->tmp_path, g_free); /* not ours: leave it alone */
        return FALSE;
    }
    /* Our own buffer feeds the stream; a second copy in stdio would not help. */
    setvbuf(cap->fp, NULL, _IONBF, 0);
    cap->buf = g_malloc(CAPTURE_OUTBUF_BYTES);
    pcapng_write_shb(cap, shb_comment);
    return TRUE;
}

static void pcapng_finish(Capture *cap, const CaptureIfStats *stats, uint64_t end_time_ps)
{
    uint64_t end_ns = end_time_ps / 1000;
    pcapng_write_pending(cap);
    for (guint i = 0; i < cap->ifaces->len; i++)
        pcapng_write_isb(cap, i, stats != NULL ? &stats[i] : NULL, end_ns);
    out_flush(cap);
    FILE *fp = cap->fp;
    cap->fp = NULL;
    if (fclose(fp) != 0)
        capture_fail_errno(cap, "cannot write capture file", cap->tmp_path, errno);
    if (cap->error == NULL && g_rename(cap->tmp_path, cap->final_path) != 0)
        capture_fail_errno(cap, "cannot rename capture file to", cap->final_path, errno);
    if (cap->error != NULL)
        g_unlink(cap->tmp_path);
}

static void pcapng_discard(Capture *cap)
{
    if (cap->fp != NULL) {
        fclose(cap->fp);
        cap->fp = NULL;
    }
    if (cap->tmp_path != NULL)
        g_unlink(cap->tmp_path);
}

/* ------------------------------------------------------------------------
 * Classic pcap through libpcap, one file per interface
 * ------------------------------------------------------------------------ */

static gboolean pcap_dir_open(Capture *cap, const char *dir, GError **error)
{
    cap->final_path = g_strdup(dir);
    gboolean existed = g_file_test(dir, G_FILE_TEST_EXISTS);
    int made = g_mkdir_with_parents(dir, 0755);
    cap->made_dir = made == 0 && !existed;
    if (made != 0 || g_access(dir, W_OK | X_OK) != 0) {
        int errsv = errno;
        g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_FAILED,
                    "capture directory '%s': cannot create or write: %s", dir, g_strerror(errsv));
        return FALSE;
    }
    /* Nanosecond precision: the file gets the 0xA1B23C4D magic and
     * pcap_dump() writes ts.tv_usec as it is, so that field holds ns. */
    cap->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)cap->snaplen,
                                                     PCAP_TSTAMP_PRECISION_NANO);
    if (cap->dead == NULL) {
        g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_FAILED,
                    "capture directory '%s': libpcap cannot make a dump handle", dir);
        return FALSE;
    }
    return TRUE;
}

/* Interface names become file names: '/' would be a directory. */
static char *pcap_if_path(const char *dir, const char *name)
{
    char *base = g_strconcat(name, ".pcap", NULL);
    g_strdelimit(base, "/", '_');
    char *path = g_build_filename(dir, base, NULL);
    g_free(base);
    return path;
}

static gboolean pcap_path_taken(const Capture *cap, const CaptureIf *ifc)
{
    for (guint i = 0; i < cap->ifaces->len; i++) {
        const CaptureIf *other = g_ptr_array_index(cap->ifaces, i);
        if (other != ifc && strcmp(other->final_path, ifc->final_path) == 0)
            return TRUE;
    }
    return FALSE;
}

/* libpcap opens the file itself, so it is given the temporary name. A
 * failure is kept for capture_finish (capture_add_interface has no GError). */
static void pcap_if_open(Capture *cap, CaptureIf *ifc)
{
    ifc->final_path = pcap_if_path(cap->final_path, ifc->name);
    if (pcap_path_taken(cap, ifc)) {
        if (cap->error == NULL)
            g_set_error(&cap->error, CAPTURE_ERROR, CAPTURE_ERROR_FAILED,
                        "capture file '%s': two interfaces map to it (last: '%s')", ifc->final_path,
                        ifc->name);
        return;
    }
    ifc->tmp_path = g_strconcat(ifc->final_path, CAPTURE_TMP_SUFFIX, NULL);
    ifc->dumper = pcap_dump_open(cap->dead, ifc->tmp_path);
    if (ifc->dumper == NULL) {
        /* libpcap closes but keeps the file when the header write fails */
        g_unlink(ifc->tmp_path);
        g_clear_pointer(&ifc->tmp_path, g_free);
        if (cap->error == NULL)
            g_set_error(&cap->error, CAPTURE_ERROR, CAPTURE_ERROR_FAILED, "capture file '%s': %s",
                        ifc->final_path, pcap_geterr(cap->dead));
        return;
    }
    ifc->dump_fp = pcap_dump_file(ifc->dumper);
}

static void pcap_if_packet(Capture *cap, CaptureIf *ifc, uint64_t time_ps, const uint8_t *data,
                           uint32_t caplen, uint32_t len)
{
    if (ifc->dumper == NULL)
        return;
    uint64_t ns = time_ps / 1000;
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.ts.tv_sec = (time_t)(ns / 1000000000u);
    h.ts.tv_usec = (suseconds_t)(ns % 1000000000u); /* ns: nano dump convention */
    h.caplen = caplen;
    h.len = len;
    errno = 0;
    pcap_dump((u_char *)ifc->dumper, &h, data);
    if (G_UNLIKELY(ferror(ifc->dump_fp)))
        capture_fail_errno(cap, "cannot write capture file", ifc->tmp_path, errno ? errno : EIO);
}

/* Flushes and closes every dumper; errors are kept in cap->error. */
static void pcap_close_all(Capture *cap)
{
    for (guint i = 0; i < cap->ifaces->len; i++) {
        CaptureIf *ifc = g_ptr_array_index(cap->ifaces, i);
        if (ifc->dumper == NULL)
            continue;
        errno = 0;
        if (pcap_dump_flush(ifc->dumper) != 0 || ferror(ifc->dump_fp))
            capture_fail_errno(cap, "cannot write capture file", ifc->tmp_path,
                               errno ? errno : EIO);
        pcap_dump_close(ifc->dumper);
        ifc->dumper = NULL;
        ifc->dump_fp = NULL;
    }
}

/* Removes the temporary files not yet renamed, and the directory if it was
 * made here and is left empty (g_rmdir refuses otherwise). */
static void pcap_unlink_all(Capture *cap)
{
    for (guint i = 0; i < cap->ifaces->len; i++) {
        CaptureIf *ifc = g_ptr_array_index(cap->ifaces, i);
        if (ifc->tmp_path != NULL)
            g_unlink(ifc->tmp_path);
    }
    if (cap->made_dir)
        g_rmdir(cap->final_path);
}

/* Renames every file; if one rename fails, the files renamed before it go
 * too, so that no partial set of captures is left. */
static void pcap_finish(Capture *cap)
{
    pcap_close_all(cap);
    guint renamed = 0;
    for (; renamed < cap->ifaces->len && cap->error == NULL; renamed++) {
        CaptureIf *ifc = g_ptr_array_index(cap->ifaces, renamed);
        if (g_rename(ifc->tmp_path, ifc->final_path) != 0) {
            capture_fail_errno(cap, "cannot rename capture file to", ifc->final_path, errno);
            break;
        }
        g_clear_pointer(&ifc->tmp_path, g_free); /* renamed: nothing to remove */
    }
    if (cap->error == NULL)
        return;
    for (guint i = 0; i < renamed; i++)
        g_unlink(((CaptureIf *)g_ptr_array_index(cap->ifaces, i))->final_path);
    pcap_unlink_all(cap);
}

static void pcap_discard(Capture *cap)
{
    pcap_close_all(cap);
    pcap_unlink_all(cap);
}

/* ------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------ */

static void capture_free(Capture *cap)
{
    g_ptr_array_unref(cap->ifaces);
    g_ptr_array_unref(cap->names);
    if (cap->dead != NULL)
        pcap_close(cap->dead);
    g_clear_error(&cap->error);
    g_free(cap->buf);
    g_free(cap->final_path);
    g_free(cap->tmp_path);
    g_free(cap);
}

Capture *capture_new(CaptureFormat format, const char *path, uint32_t snaplen,
                     const char *shb_comment, GError **error)
{
    g_return_val_if_fail(
        format == CAPTURE_PCAPNG || format == CAPTURE_PCAP || format == CAPTURE_NONE, NULL);
    g_return_val_if_fail(format == CAPTURE_NONE || path != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    Capture *cap = g_new0(Capture, 1);
    cap->format = format;
    cap->snaplen = snaplen != 0 && snaplen < CAPTURE_MAX_SNAPLEN ? snaplen : CAPTURE_MAX_SNAPLEN;
    cap->ifaces = g_ptr_array_new_with_free_func(capture_if_free);
    cap->names = g_ptr_array_new_with_free_func(capture_name_free);

    gboolean ok = TRUE;
    if (format == CAPTURE_PCAPNG)
        ok = pcapng_open(cap, path, shb_comment, error);
    else if (format == CAPTURE_PCAP)
        ok = pcap_dir_open(cap, path, error);
    if (!ok) {
        capture_abort(cap);
        return NULL;
    }
    return cap;
}

int capture_add_interface(Capture *cap, const char *name, const char *description,
                          const uint8_t mac[6], uint64_t speed_bps)
{
    g_return_val_if_fail(cap != NULL, -1);
    g_return_val_if_fail(name != NULL, -1);
    /* Nothing is recorded: -1 tells callers "not captured", so the hot path
     * skips the capture call altogether (sim_capture tests cap_if first). */
    if (cap->format == CAPTURE_NONE)
        return -1;

    CaptureIf *ifc = g_new0(CaptureIf, 1);
    ifc->name = g_strdup(name);
    ifc->description = g_strdup(description);
    if (mac != NULL) {
        memcpy(ifc->mac, mac, sizeof ifc->mac);
        ifc->has_mac = TRUE;
    }
    ifc->speed_bps = speed_bps;
    g_ptr_array_add(cap->ifaces, ifc);
    if (cap->format == CAPTURE_PCAP)
        pcap_if_open(cap, ifc);
    return (int)cap->ifaces->len - 1;
}

static void capture_add_name(Capture *cap, const uint8_t *addr, uint8_t addr_len, const char *name)
{
    g_return_if_fail(cap != NULL);
    g_return_if_fail(addr != NULL && name != NULL);

    if (cap->format != CAPTURE_PCAPNG)
        return; /* only pcapng has a place for names */
    CaptureName *nm = g_new0(CaptureName, 1);
    memcpy(nm->addr, addr, addr_len);
    nm->addr_len = addr_len;
    nm->name = g_strndup(name, utf8_clip_len(name, PCAPNG_NRB_RECORD_MAX - addr_len - 1u));
    g_ptr_array_add(cap->names, nm);
}

void capture_add_ipv4_name(Capture *cap, const uint8_t addr[4], const char *name)
{
    capture_add_name(cap, addr, 4, name);
}

void capture_add_ipv6_name(Capture *cap, const uint8_t addr[16], const char *name)
{
    capture_add_name(cap, addr, 16, name);
}

void capture_packet(Capture *cap, int ifindex, uint64_t time_ps, const uint8_t *data, uint32_t len,
                    CaptureDir dir, const char *comment)
{
    g_return_if_fail(cap != NULL);
    g_return_if_fail(ifindex >= 0 && (guint)ifindex < cap->ifaces->len);
    g_return_if_fail(data != NULL || len == 0);

    if (cap->format == CAPTURE_NONE || G_UNLIKELY(cap->error != NULL))
        return;
    uint32_t caplen = len < cap->snaplen ? len : cap->snaplen;
    if (cap->format == CAPTURE_PCAPNG) {
        if (G_UNLIKELY(cap->ifaces_written != cap->ifaces->len ||
                       cap->names_written != cap->names->len))
            pcapng_write_pending(cap);
        pcapng_write_epb(cap, (uint32_t)ifindex, time_ps, data, caplen, len, dir, comment);
    } else {
        pcap_if_packet(cap, g_ptr_array_index(cap->ifaces, ifindex), time_ps, data, caplen, len);
    }
    cap->packets++;
}

gboolean capture_finish(Capture *cap, const CaptureIfStats *stats, uint64_t end_time_ps,
                        GError **error)
{
    g_return_val_if_fail(cap != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (cap->format == CAPTURE_PCAPNG) {
        if (cap->error == NULL)
            pcapng_finish(cap, stats, end_time_ps);
        else
            pcapng_discard(cap);
    } else if (cap->format == CAPTURE_PCAP) {
        pcap_finish(cap);
    }
    gboolean ok = cap->error == NULL;
    if (!ok)
        g_propagate_error(error, g_steal_pointer(&cap->error));
    capture_free(cap);
    return ok;
}

void capture_abort(Capture *cap)
{
    if (cap == NULL)
        return;
    if (cap->format == CAPTURE_PCAPNG)
        pcapng_discard(cap);
    else if (cap->format == CAPTURE_PCAP)
        pcap_discard(cap);
    capture_free(cap);
}

uint64_t capture_packet_count(const Capture *cap)
{
    g_return_val_if_fail(cap != NULL, 0);
    return cap->packets;
}
