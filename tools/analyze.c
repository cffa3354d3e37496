/* analyze.c - bondsim-analyze: the simulator's figures from any capture.
 *
 *   bondsim-analyze FILE... [--interface NAME]... [--direction in|out|any]
 *                   [--seq auto|bsim|ipid|rtp] [--bin TIME] [--series CSV]
 *                   [--gaps N] [--flows] [--json OUT]
 *
 * Reads pcapng (every interface of one file, read here: analyze_read.c) and
 * classic pcap (one interface per file, libpcap), merged by time, and
 * prints aligned tables: per-interface load (frames and bytes by direction,
 * Mb/s over the capture's span, share of the selected interfaces' bytes);
 * per-flow reordering (RFC 4737/5236 through stats/reorder.c, the very
 * accumulator the simulator's receivers use) at the selected interfaces;
 * and the longest gaps between a flow's arrivals, with their times. So a
 * user can put a capture from a real server beside a simulation.
 *
 * Sequence numbers (--seq), per packet:
 *   bsim  the 24-byte bondsim header ("BSIM", flow u32, seq u64, send ns)
 *         at the start of a UDP payload or ICMP echo data, or in UDP right
 *         after a version-2 RTP header (bondsim's rtp=on flows; CSRCs and
 *         a header extension are skipped): exact, 64-bit.
 *   ipid  the IPv4 identification field per 5-tuple, unwrapped from 16
 *         bits. Linux gives a connected socket (TCP, connected UDP) its own
 *         counter, +1 per packet, so it numbers a flow's packets in send
 *         order; unconnected UDP with DF set carries 0 (no sequence: every
 *         packet after the first then reads as a duplicate), and IPv6 has no
 *         ID. TCP sequence numbers are not used: they count bytes, not
 *         packets, and a retransmission reuses them, while RFC 4737 needs a
 *         number per packet.
 *   rtp   the RTP sequence number (UDP payload of version 2) per 5-tuple
 *         and SSRC, unwrapped from 16 bits.
 *   auto  (default) bsim when the header is there (RTP flows included),
 *         else ipid for IPv4.
 * Packets with no sequence still count in the load. --direction filters the
 * flow analysis only (the load table always shows both directions), and
 * frames without a direction (classic pcap, pcapng without epb_flags) pass
 * it: nothing says which way they went.
 *
 * Without --interface every interface is analysed together: a frame seen
 * at several (a bond and its slave, both ends of a link in a bondsim
 * capture) counts once in a flow, its later copies as duplicates.
 *
 * A flow is (sequence source, IP version, addresses, protocol, ports or
 * ICMP id, BSIM flow id or SSRC). As in the simulator's receiver
 * (traffic/flow.c), only the first copy of a sequence is analysed;
 * duplicates are recognised within ANALYZE_SEEN_WINDOW sequences (the
 * simulator keeps 65536: the difference shows only for a copy arriving
 * more than 4096 behind). RFC 5236's receive index starts at the smallest
 * sequence among a flow's first ANALYZE_FIRST_ARRIVALS arrivals, so a
 * capture that starts mid-flow is not read as one long loss.
 *
 * Cold code: GLib containers and formatting throughout.
 */
#include "analyze.h"

#include <stdio.h>
#include <string.h>

#include "stats/json.h"
#include "stats/reorder.h"
#include "stats/table.h"
#include "util/bytes.h"
#include "util/units.h"

/* bondsim's header: "BSIM", flow u32, seq u64, send ns u64 (FLOW_HEADER_LEN
 * in traffic/flow.h, not included here: the tool needs no simulator type). */
#define ANALYZE_BSIM_LEN 24
#define ANALYZE_SEEN_WINDOW 4096
#define ANALYZE_FIRST_ARRIVALS 64
#define ANALYZE_GAPS_MAX 16
#define ANALYZE_MAX_BINS 1000000u
/* 16-bit sequences are unwrapped around this base so early arrivals
 * behind the first one stay positive. */
#define ANALYZE_SEQ16_BASE (UINT64_C(1) << 32)

typedef enum { SEQ_AUTO, SEQ_BSIM, SEQ_IPID, SEQ_RTP } SeqMode;
typedef enum { SRC_NONE, SRC_BSIM, SRC_IPID, SRC_RTP } SeqSource;

static const char *const an_source_names[] = {"none", "bsim", "ipid", "rtp"};

/* What makes a flow; compared and hashed as bytes (zeroed first). */
typedef struct {
    uint8_t source; /* SeqSource */
    uint8_t family; /* 4 or 6 */
    uint8_t proto;
    uint8_t pad;
    uint16_t sport, dport; /* ICMP: id in sport */
    uint32_t id;           /* BSIM flow, RTP SSRC */
    uint8_t src[16], dst[16];
} FlowKey;

typedef struct {
    uint64_t gap_ns;
    uint64_t from_ns, to_ns;
    uint64_t seq_before, seq_after; /* as on the wire */
} AnGap;

typedef struct {
    FlowKey key;
    char *label;
    bool wide;         /* 64-bit sequence (BSIM); else 16-bit, unwrapped */
    uint64_t received; /* unique arrivals */
    uint64_t duplicates;
    uint64_t out_of_order; /* unique arrivals below the highest seen */
    uint64_t bytes;
    uint64_t next_expected; /* highest sequence + 1 (0: none yet) */
    uint64_t seen[ANALYZE_SEEN_WINDOW / 64];
    uint64_t first_ns, last_ns, last_seq;
    uint64_t first[ANALYZE_FIRST_ARRIVALS]; /* arrivals held until first_seq is known */
    int n_first;
    bool started; /* reorder initialised, `first` fed */
    ReorderStats reorder;
    AnGap gaps[ANALYZE_GAPS_MAX]; /* longest first */
    int n_gaps;
} AnFlow;

typedef struct {
    char **files;
    char **interfaces;
    char *direction;
    char *seq;
    char *bin;
    char *series;
    char *json;
    int gaps;
    gboolean flows;
} AnArgs;

typedef struct {
    SeqMode seq;
    int dir; /* AnalyzeDir to keep; -1: any */
    uint64_t bin_ns;
    int n_gaps;
    char **interfaces; /* borrowed from AnArgs */
    GPtrArray *flows;  /* AnFlow, first appearance; owns */
    GHashTable *by_key;
    uint64_t frames, bytes;
    uint64_t first_ns, last_ns;
    uint64_t bin_base_ns; /* start of bin 0: the first packet's bin */
    bool any;
} AnRun;

/* ------------------------------------------------------------------------ */
/* Frames to flows                                                          */
/* ------------------------------------------------------------------------ */

static guint an_key_hash(gconstpointer p)
{
    const uint8_t *b = p;
    guint h = 2166136261u;
    for (size_t i = 0; i < sizeof(FlowKey); i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static gboolean an_key_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(FlowKey)) == 0;
}

/* A parsed frame: where its IP and L4 headers are. */
typedef struct {
    int family;
    const uint8_t *ip;
    uint8_t proto;
    const uint8_t *l4;
    uint32_t l4_len; /* captured bytes from l4 on */
    bool fragment;   /* not the first fragment, or a fragment at all */
} AnFrame;

static bool an_parse(const uint8_t *f, uint32_t len, AnFrame *fr)
{
    memset(fr, 0, sizeof *fr);
    if (len < 14)
        return false;
    uint32_t off = 12;
    uint16_t type = get_be16(f + 12);
    for (int n = 0; (type == 0x8100 || type == 0x88A8) && n < 8; n++) {
        if (len < off + 6)
            return false;
        type = get_be16(f + off + 4);
        off += 4;
    }
    off += 2;
    if (type == 0x0800 && len >= off + 20 && (f[off] >> 4) == 4) {
        uint32_t ihl = (uint32_t)(f[off] & 0x0f) * 4;
        if (ihl < 20 || len < off + ihl)
            return false;
        fr->family = 4;
        fr->ip = f + off;
        fr->proto = f[off + 9];
        fr->fragment = (get_be16(f + off + 6) & 0x3fff) != 0;
        off += ihl;
    } else if (type == 0x86DD && len >= off + 40) {
        fr->family = 6;
        fr->ip = f + off;
        fr->proto = f[off + 6];
        off += 40;
        /* hop-by-hop, routing and destination options are skipped; a
         * fragment header leaves no ports to read */
        for (int n = 0; n < 8 && (fr->proto == 0 || fr->proto == 43 || fr->proto == 60); n++) {
            if (len < off + 8)
                return false;
            fr->proto = f[off];
            off += ((uint32_t)f[off + 1] + 1) * 8;
        }
        if (fr->proto == 44)
            fr->fragment = true;
        if (len < off)
            return false;
    } else {
        return false;
    }
    fr->l4 = f + off;
    fr->l4_len = len - off;
    return true;
}

/* Length of the RTP header (RFC 3550 5.1, 5.3.1) at the start of `p`:
 * 12 bytes, 4 per CSRC, and the header extension when X is set. 0 when
 * `p` does not start with a whole version-2 header. */
static uint32_t an_rtp_hlen(const uint8_t *p, uint32_t len)
{
    if (len < 12 || (p[0] >> 6) != 2)
        return 0;
    uint32_t n = 12 + 4u * (p[0] & 0x0f);
    if (p[0] & 0x10) {
        if (len < n + 4)
            return 0;
        n += 4 + 4u * get_be16(p + n + 2);
    }
    return n <= len ? n : 0;
}

/* The BSIM header's place: UDP payload or ICMP(v6) echo data; in UDP also
 * right after an RTP header (bondsim's rtp=on flows). */
static const uint8_t *an_bsim(const AnFrame *fr)
{
    if (fr->fragment)
        return NULL;
    bool udp = fr->proto == 17;
    bool echo = (fr->proto == 1 && fr->l4_len >= 1 && (fr->l4[0] == 0 || fr->l4[0] == 8)) ||
                (fr->proto == 58 && fr->l4_len >= 1 && (fr->l4[0] == 128 || fr->l4[0] == 129));
    if ((!udp && !echo) || fr->l4_len < 8 + ANALYZE_BSIM_LEN)
        return NULL;
    const uint8_t *h = fr->l4 + 8;
    uint32_t room = fr->l4_len - 8;
    if (memcmp(h, "BSIM", 4) == 0)
        return h;
    uint32_t rtp = udp ? an_rtp_hlen(h, room) : 0;
    if (rtp == 0 || room - rtp < ANALYZE_BSIM_LEN || memcmp(h + rtp, "BSIM", 4) != 0)
        return NULL;
    return h + rtp;
}

/* The flow key and the packet's sequence; FALSE when it has none. */
static bool an_key(const AnRun *r, const AnFrame *fr, FlowKey *k, uint64_t *seq)
{
    memset(k, 0, sizeof *k);
    k->family = (uint8_t)fr->family;
    k->proto = fr->proto;
    size_t alen = fr->family == 4 ? 4 : 16;
    memcpy(k->src, fr->ip + (fr->family == 4 ? 12 : 8), alen);
    memcpy(k->dst, fr->ip + (fr->family == 4 ? 16 : 24), alen);
    bool ports = !fr->fragment && fr->l4_len >= 4 &&
                 (fr->proto == 6 || fr->proto == 17 || fr->proto == 132 || fr->proto == 1 ||
                  fr->proto == 58);
    if (ports && (fr->proto == 1 || fr->proto == 58)) {
        if (fr->l4_len >= 8)
            k->sport = get_be16(fr->l4 + 4);
    } else if (ports) {
        k->sport = get_be16(fr->l4);
        k->dport = get_be16(fr->l4 + 2);
    }
    const uint8_t *bsim = (r->seq == SEQ_AUTO || r->seq == SEQ_BSIM) ? an_bsim(fr) : NULL;
    if (bsim != NULL) {
        k->source = SRC_BSIM;
        k->id = get_be32(bsim + 4);
        *seq = get_be64(bsim + 8);
        return true;
    }
    if (r->seq == SEQ_RTP && fr->proto == 17 && !fr->fragment && fr->l4_len >= 8 + 12 &&
        (fr->l4[8] >> 6) == 2) {
        k->source = SRC_RTP;
        k->id = get_be32(fr->l4 + 8 + 8);
        *seq = get_be16(fr->l4 + 8 + 2);
        return true;
    }
    if ((r->seq == SEQ_AUTO || r->seq == SEQ_IPID) && fr->family == 4) {
        k->source = SRC_IPID;
        *seq = get_be16(fr->ip + 4);
        return true;
    }
    return false;
}

static void an_append_addr(GString *s, int family, const uint8_t *a)
{
    if (family == 4) {
        g_string_append_printf(s, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
        return;
    }
    g_string_append_c(s, '[');
    for (int i = 0; i < 16; i += 2)
        g_string_append_printf(s, "%s%x", i ? ":" : "", get_be16(a + i));
    g_string_append_c(s, ']');
}

/* "bsim 0 udp 10.0.0.1:1024 > 10.0.0.2:5001", "ipid tcp ...", "rtp
 * 0x1234abcd udp ...". */
static char *an_label(const FlowKey *k)
{
    GString *s = g_string_new(an_source_names[k->source]);
    if (k->source == SRC_BSIM)
        g_string_append_printf(s, " %u", k->id);
    else if (k->source == SRC_RTP)
        g_string_append_printf(s, " 0x%08x", k->id);
    const char *proto = k->proto == 6     ? "tcp"
                        : k->proto == 17  ? "udp"
                        : k->proto == 1   ? "icmp"
                        : k->proto == 58  ? "icmp6"
                        : k->proto == 132 ? "sctp"
                                          : NULL;
    if (proto)
        g_string_append_printf(s, " %s ", proto);
    else
        g_string_append_printf(s, " proto %u ", k->proto);
    bool icmp = k->proto == 1 || k->proto == 58;
    an_append_addr(s, k->family, k->src);
    if (!icmp && (k->sport || k->dport))
        g_string_append_printf(s, ":%u", k->sport);
    g_string_append(s, " > ");
    an_append_addr(s, k->family, k->dst);
    if (!icmp && (k->sport || k->dport))
        g_string_append_printf(s, ":%u", k->dport);
    if (icmp)
        g_string_append_printf(s, " id %u", k->sport);
    return g_string_free(s, FALSE);
}

/* ------------------------------------------------------------------------ */
/* Per-flow figures                                                         */
/* ------------------------------------------------------------------------ */

static void an_flow_free(gpointer p)
{
    AnFlow *fl = p;
    g_free(fl->label);
    g_free(fl);
}

static AnFlow *an_flow_lookup(AnRun *r, const FlowKey *k)
{
    AnFlow *fl = g_hash_table_lookup(r->by_key, k);
    if (fl != NULL)
        return fl;
    fl = g_new0(AnFlow, 1);
    fl->key = *k;
    fl->label = an_label(k);
    fl->wide = k->source == SRC_BSIM;
    g_ptr_array_add(r->flows, fl);
    g_hash_table_insert(r->by_key, &fl->key, fl);
    return fl;
}

/* 16-bit sequences: the value nearest the highest one seen so far. */
static uint64_t an_unwrap16(const AnFlow *fl, uint64_t raw)
{
    if (fl->next_expected == 0)
        return ANALYZE_SEQ16_BASE + raw;
    uint64_t hi = fl->next_expected - 1;
    uint16_t ahead = (uint16_t)(raw - (hi & 0xffff));
    if (ahead < 0x8000)
        return hi + ahead;
    return hi - (uint16_t)((hi & 0xffff) - raw);
}

/* Marks `seq` seen; TRUE when it already was. */
static bool an_seen_test_and_set(AnFlow *fl, uint64_t seq)
{
    uint64_t bit = seq % ANALYZE_SEEN_WINDOW;
    uint64_t mask = UINT64_C(1) << (bit % 64);
    bool was = (fl->seen[bit / 64] & mask) != 0;
    fl->seen[bit / 64] |= mask;
    return was;
}

/* The highest sequence moves to `next - 1`: slots of sequences now a
 * window behind are cleared. */
static void an_seen_advance(AnFlow *fl, uint64_t next)
{
    if (next - fl->next_expected >= ANALYZE_SEEN_WINDOW) {
        memset(fl->seen, 0, sizeof fl->seen);
        return;
    }
    for (uint64_t s = fl->next_expected; s < next; s++)
        fl->seen[(s % ANALYZE_SEEN_WINDOW) / 64] &= ~(UINT64_C(1) << (s % 64));
}

/* The reorder accumulator starts at the smallest of the first arrivals. */
static void an_flow_start(AnFlow *fl)
{
    uint64_t first = UINT64_MAX;
    for (int i = 0; i < fl->n_first; i++)
        first = MIN(first, fl->first[i]);
    reorder_init(&fl->reorder, REORDER_DT_DEFAULT, first);
    for (int i = 0; i < fl->n_first; i++)
        reorder_add(&fl->reorder, fl->first[i]);
    fl->started = true;
}

static void an_flow_reorder(AnFlow *fl, uint64_t seq)
{
    if (fl->started) {
        reorder_add(&fl->reorder, seq);
        return;
    }
    fl->first[fl->n_first++] = seq;
    if (fl->n_first == ANALYZE_FIRST_ARRIVALS)
        an_flow_start(fl);
}

static void an_flow_gap(AnFlow *fl, int max_gaps, uint64_t now, uint64_t seq)
{
    AnGap g = {now - fl->last_ns, fl->last_ns, now, fl->last_seq, seq};
    int i = fl->n_gaps < max_gaps ? fl->n_gaps++ : max_gaps;
    while (i > 0 && fl->gaps[i - 1].gap_ns < g.gap_ns) {
        if (i < max_gaps)
            fl->gaps[i] = fl->gaps[i - 1];
        i--;
    }
    if (i < max_gaps)
        fl->gaps[i] = g;
}

/* One arrival: the same bookkeeping as flow_deliver() (traffic/flow.c). */
static void an_flow_add(AnRun *r, AnFlow *fl, uint64_t raw, const AnalyzePacket *p)
{
    uint64_t seq = fl->wide ? raw : an_unwrap16(fl, raw);
    if (seq >= fl->next_expected) {
        an_seen_advance(fl, seq + 1);
        an_seen_test_and_set(fl, seq);
        fl->next_expected = seq + 1;
    } else if (seq + ANALYZE_SEEN_WINDOW <= fl->next_expected) {
        fl->out_of_order++; /* too old to tell a duplicate */
    } else if (an_seen_test_and_set(fl, seq)) {
        fl->duplicates++;
        return;
    } else {
        fl->out_of_order++;
    }
    an_flow_reorder(fl, seq);
    fl->received++;
    fl->bytes += p->len;
    if (fl->received == 1)
        fl->first_ns = p->ts_ns;
    else
        an_flow_gap(fl, r->n_gaps, p->ts_ns, raw);
    fl->last_ns = p->ts_ns;
    fl->last_seq = raw;
}

/* ------------------------------------------------------------------------ */
/* Per-interface load                                                       */
/* ------------------------------------------------------------------------ */

static void an_fmt_s(uint64_t ns, char *buf, size_t len);

static gboolean an_iface_bin(AnRun *r, AnalyzeIface *ifc, const AnalyzePacket *p, GError **error)
{
    uint64_t t = p->ts_ns > r->bin_base_ns ? p->ts_ns - r->bin_base_ns : 0;
    uint64_t bin = t / r->bin_ns;
    if (bin >= ANALYZE_MAX_BINS) {
        char at[48];
        an_fmt_s(p->ts_ns, at, sizeof at);
        g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_ARGS,
                    "%s: the frame at %s s lies more than %u bins (--bin) after the first "
                    "frame: use a wider --bin, or the file's time stamps are damaged",
                    ifc->file, at, ANALYZE_MAX_BINS);
        return FALSE;
    }
    if (ifc->bins->len < (bin + 1) * 3)
        g_array_set_size(ifc->bins, (guint)((bin + 1) * 3));
    g_array_index(ifc->bins, uint64_t, bin * 3 + p->dir) += p->len;
    return TRUE;
}

static void an_iface_resolve(AnRun *r, AnalyzeIface *ifc)
{
    ifc->resolved = true;
    ifc->selected = r->interfaces == NULL;
    for (char **n = r->interfaces; n != NULL && *n != NULL; n++)
        if (strcmp(*n, ifc->name) == 0)
            ifc->selected = true;
}

static gboolean an_packet(AnRun *r, const AnalyzePacket *p, GError **error)
{
    AnalyzeIface *ifc = p->iface;
    if (!ifc->resolved)
        an_iface_resolve(r, ifc);
    if (!ifc->selected)
        return TRUE;
    if (!r->any) {
        r->any = true;
        r->first_ns = p->ts_ns;
        r->bin_base_ns = p->ts_ns - p->ts_ns % r->bin_ns;
    }
    r->first_ns = MIN(r->first_ns, p->ts_ns);
    r->last_ns = MAX(r->last_ns, p->ts_ns);
    r->frames++;
    r->bytes += p->len;
    ifc->frames[p->dir]++;
    ifc->bytes[p->dir] += p->len;
    if (!an_iface_bin(r, ifc, p, error))
        return FALSE;
    if (r->dir >= 0 && p->dir != ANALYZE_DIR_UNKNOWN && (int)p->dir != r->dir)
        return TRUE;
    AnFrame fr;
    FlowKey k;
    uint64_t seq;
    if (!an_parse(p->data, p->caplen, &fr) || !an_key(r, &fr, &k, &seq))
        return TRUE;
    an_flow_add(r, an_flow_lookup(r, &k), seq, p);
    return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Report: tables                                                           */
/* ------------------------------------------------------------------------ */

/* Frames or bytes over the three directions. */
static uint64_t an_sum3(const uint64_t *v)
{
    return v[0] + v[1] + v[2];
}

static double an_span_s(const AnRun *r)
{
    return r->any ? (double)(r->last_ns - r->first_ns) / 1e9 : 0.0;
}

static void an_table_load(const AnRun *r, GPtrArray *ifaces, GString *out)
{
    g_autofree char *title = g_strdup_printf(
        "Interfaces (Mb/s over the capture's span, %.6f s; share of the listed bytes)",
        an_span_s(r));
    static const char *const hdr[] = {"interface", "frames",    "bytes",    "tx frames",
                                      "tx bytes",  "rx frames", "rx bytes", "no-dir frames",
                                      "Mb/s",      "share",     NULL};
    Table *t = table_new(title, hdr);
    double span = an_span_s(r);
    for (guint i = 0; i < ifaces->len; i++) {
        const AnalyzeIface *ifc = ifaces->pdata[i];
        if (!ifc->selected)
            continue;
        uint64_t bytes = an_sum3(ifc->bytes);
        double mbps = span > 0 ? (double)bytes * 8 / span / 1e6 : 0.0;
        double share = r->bytes ? 100.0 * (double)bytes / (double)r->bytes : 0.0;
        table_addf(t,
                   "%s\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
                   "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
                   "\t%" G_GUINT64_FORMAT "\t%.3f\t%.1f%%",
                   ifc->name, an_sum3(ifc->frames), bytes, ifc->frames[ANALYZE_DIR_OUT],
                   ifc->bytes[ANALYZE_DIR_OUT], ifc->frames[ANALYZE_DIR_IN],
                   ifc->bytes[ANALYZE_DIR_IN], ifc->frames[ANALYZE_DIR_UNKNOWN], mbps, share);
    }
    table_render_free(t, out);
}

static void an_table_flows(const AnRun *r, const char *where, GString *out)
{
    g_autofree char *title = g_strdup_printf(
        "Reordering at %s (RFC 4737 extent, RFC 5236 RD/RBD, displacement threshold %d; extent "
        ">= 3 would trigger TCP fast retransmit)",
        where, REORDER_DT_DEFAULT);
    static const char *const hdr[] = {
        "flow",     "received", "dup",    "reordered", "ratio",   "max extent", "extent >= 3",
        "3-reord.", "RD d=1",   "RD d=2", "RD d=3",    "RD lost", "RBD max",    NULL};
    Table *t = table_new(title, hdr);
    for (guint i = 0; i < r->flows->len; i++) {
        const AnFlow *fl = r->flows->pdata[i];
        const ReorderStats *s = &fl->reorder;
        table_addf(t,
                   "%s\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
                   "\t%.2f%%\t%" G_GUINT64_FORMAT "%s\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
                   "\t%.2f%%\t%.2f%%\t%.2f%%\t%" G_GUINT64_FORMAT "\t%d",
                   fl->label, fl->received, fl->duplicates, s->reordered, 100.0 * reorder_ratio(s),
                   s->max_extent, s->max_extent_capped ? "+" : "", s->fast_retransmit,
                   s->n_reordered[2], 100.0 * reorder_rd(s, 1), 100.0 * reorder_rd(s, 2),
                   100.0 * reorder_rd(s, 3), s->rd_lost, reorder_rbd_max(s));
    }
    table_render_free(t, out);
}

/* --flows: n-reordering and the RD/RBD distributions of every flow. */
static void an_table_flow_detail(const AnRun *r, GString *out)
{
    static const char *const hdr[] = {"flow", "n-reordering n=1..8", "RD d=-3..3 (%)",
                                      "RBD k=0..3 (%)", NULL};
    Table *t = table_new("Per-flow detail", hdr);
    for (guint i = 0; i < r->flows->len; i++) {
        const AnFlow *fl = r->flows->pdata[i];
        const ReorderStats *s = &fl->reorder;
        GString *n = g_string_new(NULL), *rd = g_string_new(NULL), *rbd = g_string_new(NULL);
        for (int k = 0; k < REORDER_N_MAX; k++)
            g_string_append_printf(n, "%s%" G_GUINT64_FORMAT, k ? " " : "", s->n_reordered[k]);
        for (int d = -s->dt; d <= s->dt; d++)
            g_string_append_printf(rd, "%s%.2f", d > -s->dt ? " " : "", 100.0 * reorder_rd(s, d));
        for (int k = 0; k <= s->dt; k++)
            g_string_append_printf(rbd, "%s%.2f", k ? " " : "", 100.0 * reorder_rbd(s, k));
        table_addf(t, "%s\t%s\t%s\t%s", fl->label, n->str, rd->str, rbd->str);
        g_string_free(n, TRUE);
        g_string_free(rd, TRUE);
        g_string_free(rbd, TRUE);
    }
    table_render_free(t, out);
}

static void an_fmt_s(uint64_t ns, char *buf, size_t len)
{
    g_snprintf(buf, len, "%" G_GUINT64_FORMAT ".%09" G_GUINT64_FORMAT, ns / 1000000000u,
               ns % 1000000000u);
}

static void an_table_gaps(const AnRun *r, GString *out)
{
    g_autofree char *title =
        g_strdup_printf("Longest gaps between a flow's arrivals (up to %d per flow; times in s "
                        "as in the capture)",
                        r->n_gaps);
    static const char *const hdr[] = {"flow", "gap", "from", "to", "seq before", "seq after", NULL};
    Table *t = table_new(title, hdr);
    for (guint i = 0; i < r->flows->len; i++) {
        const AnFlow *fl = r->flows->pdata[i];
        for (int g = 0; g < fl->n_gaps; g++) {
            const AnGap *gp = &fl->gaps[g];
            char gap[48], from[48], to[48];
            units_format_time(gp->gap_ns * PS_PER_NS, gap, sizeof gap);
            an_fmt_s(gp->from_ns, from, sizeof from);
            an_fmt_s(gp->to_ns, to, sizeof to);
            table_addf(t, "%s\t%s\t%s\t%s\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT,
                       g ? "" : fl->label, gap, from, to, gp->seq_before, gp->seq_after);
        }
    }
    table_render_free(t, out);
}

/* ------------------------------------------------------------------------ */
/* Report: JSON and CSV                                                     */
/* ------------------------------------------------------------------------ */

static void an_json_kv_secs(GString *o, const char *k, uint64_t ns, gboolean comma)
{
    char buf[48];
    an_fmt_s(ns, buf, sizeof buf);
    json_str(o, k);
    g_string_append_printf(o, ":%s%s", buf, comma ? "," : "");
}

static void json_iface(GString *o, const AnRun *r, const AnalyzeIface *ifc)
{
    uint64_t bytes = an_sum3(ifc->bytes);
    double span = an_span_s(r);
    g_string_append_c(o, '{');
    json_str(o, "name");
    g_string_append_c(o, ':');
    json_str(o, ifc->name);
    g_string_append_c(o, ',');
    json_str(o, "file");
    g_string_append_c(o, ':');
    json_str(o, ifc->file);
    g_string_append_c(o, ',');
    json_kv_u64(o, "frames", an_sum3(ifc->frames), TRUE);
    json_kv_u64(o, "bytes", bytes, TRUE);
    json_kv_u64(o, "tx_frames", ifc->frames[ANALYZE_DIR_OUT], TRUE);
    json_kv_u64(o, "tx_bytes", ifc->bytes[ANALYZE_DIR_OUT], TRUE);
    json_kv_u64(o, "rx_frames", ifc->frames[ANALYZE_DIR_IN], TRUE);
    json_kv_u64(o, "rx_bytes", ifc->bytes[ANALYZE_DIR_IN], TRUE);
    json_kv_u64(o, "nodir_frames", ifc->frames[ANALYZE_DIR_UNKNOWN], TRUE);
    json_kv_u64(o, "nodir_bytes", ifc->bytes[ANALYZE_DIR_UNKNOWN], TRUE);
    json_kv_ratio(o, "mbps", span > 0 ? (double)bytes * 8 / span / 1e6 : 0.0, TRUE);
    json_kv_ratio(o, "share", r->bytes ? (double)bytes / (double)r->bytes : 0.0, FALSE);
    g_string_append_c(o, '}');
}

static void json_flow(GString *o, const AnFlow *fl)
{
    g_string_append_c(o, '{');
    json_str(o, "flow");
    g_string_append_c(o, ':');
    json_str(o, fl->label);
    g_string_append_printf(o, ",\"seq_source\":\"%s\",", an_source_names[fl->key.source]);
    if (fl->key.source == SRC_BSIM)
        json_kv_u64(o, "bsim_flow", fl->key.id, TRUE);
    json_kv_u64(o, "received", fl->received, TRUE);
    json_kv_u64(o, "duplicates", fl->duplicates, TRUE);
    json_kv_u64(o, "out_of_order", fl->out_of_order, TRUE);
    json_kv_u64(o, "rx_bytes", fl->bytes, TRUE);
    an_json_kv_secs(o, "first_s", fl->first_ns, TRUE);
    an_json_kv_secs(o, "last_s", fl->last_ns, TRUE);
    json_reorder(o, &fl->reorder);
    g_string_append(o, ",\"gaps\":[");
    for (int g = 0; g < fl->n_gaps; g++) {
        const AnGap *gp = &fl->gaps[g];
        g_string_append(o, g ? ",{" : "{");
        an_json_kv_secs(o, "gap_s", gp->gap_ns, TRUE);
        an_json_kv_secs(o, "from_s", gp->from_ns, TRUE);
        an_json_kv_secs(o, "to_s", gp->to_ns, TRUE);
        json_kv_u64(o, "seq_before", gp->seq_before, TRUE);
        json_kv_u64(o, "seq_after", gp->seq_after, FALSE);
        g_string_append_c(o, '}');
    }
    g_string_append(o, "]}");
}

static char *an_json(const AnRun *r, GPtrArray *ifaces, char **files)
{
    GString *o = g_string_new("{\"files\":[");
    for (char **f = files; *f != NULL; f++) {
        if (f != files)
            g_string_append_c(o, ',');
        json_str(o, *f);
    }
    g_string_append(o, "],");
    json_kv_u64(o, "frames", r->frames, TRUE);
    json_kv_u64(o, "bytes", r->bytes, TRUE);
    an_json_kv_secs(o, "first_s", r->first_ns, TRUE);
    an_json_kv_secs(o, "last_s", r->last_ns, TRUE);
    g_string_append(o, "\n\"interfaces\":[");
    gboolean first = TRUE;
    for (guint i = 0; i < ifaces->len; i++) {
        const AnalyzeIface *ifc = ifaces->pdata[i];
        if (!ifc->selected)
            continue;
        g_string_append(o, first ? "\n" : ",\n");
        first = FALSE;
        json_iface(o, r, ifc);
    }
    g_string_append(o, "],\n\"flows\":[");
    for (guint i = 0; i < r->flows->len; i++) {
        g_string_append(o, i ? ",\n" : "\n");
        json_flow(o, r->flows->pdata[i]);
    }
    g_string_append(o, "]}\n");
    return g_string_free(o, FALSE);
}

/* Columns per interface: tx and rx bytes, and no-direction bytes when the
 * interface has frames without a direction (classic pcap). Bin i covers
 * [base + i * bin, base + (i+1) * bin), times in s as in the capture, so a
 * bondsim capture's bins line up with its series.csv. */
static char *an_series_csv(const AnRun *r, GPtrArray *ifaces)
{
    GString *o = g_string_new("t_start_s,t_end_s");
    guint n_bins = 0;
    for (guint i = 0; i < ifaces->len; i++) {
        const AnalyzeIface *ifc = ifaces->pdata[i];
        if (!ifc->selected)
            continue;
        g_string_append_printf(o, ",%s tx_bytes,%s rx_bytes", ifc->name, ifc->name);
        if (ifc->frames[ANALYZE_DIR_UNKNOWN])
            g_string_append_printf(o, ",%s nodir_bytes", ifc->name);
        n_bins = MAX(n_bins, ifc->bins->len / 3);
    }
    g_string_append_c(o, '\n');
    for (guint b = 0; b < n_bins; b++) {
        char from[48], to[48];
        an_fmt_s(r->bin_base_ns + b * r->bin_ns, from, sizeof from);
        an_fmt_s(r->bin_base_ns + (b + 1) * r->bin_ns, to, sizeof to);
        g_string_append_printf(o, "%s,%s", from, to);
        for (guint i = 0; i < ifaces->len; i++) {
            const AnalyzeIface *ifc = ifaces->pdata[i];
            if (!ifc->selected)
                continue;
            for (int d = 2; d >= 0; d--) {
                if (d == ANALYZE_DIR_UNKNOWN && !ifc->frames[ANALYZE_DIR_UNKNOWN])
                    continue;
                uint64_t v = b * 3 + (guint)d < ifc->bins->len
                                 ? g_array_index(ifc->bins, uint64_t, b * 3 + (guint)d)
                                 : 0;
                g_string_append_printf(o, ",%" G_GUINT64_FORMAT, v);
            }
        }
        g_string_append_c(o, '\n');
    }
    return g_string_free(o, FALSE);
}

/* g_file_set_contents writes a temporary file and renames it: atomic. The
 * message starts with the option and the path asked for (GLib's own names
 * its temporary file). */
static gboolean an_write(const char *option, const char *path, const char *text, GError **error)
{
    GError *err = NULL;
    if (g_file_set_contents(path, text, -1, &err))
        return TRUE;
    g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_WRITE, "%s %s: cannot write: %s", option, path,
                err->message);
    g_error_free(err);
    return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Command line                                                             */
/* ------------------------------------------------------------------------ */

#define EXIT_CAPTURE 1
#define EXIT_USAGE 2
#define EXIT_OUTPUT 3

static gboolean an_parse_args(const AnArgs *a, AnRun *r, GError **error)
{
    const char *seq = a->seq ? a->seq : "auto";
    static const char *const modes[] = {"auto", "bsim", "ipid", "rtp"};
    r->seq = (SeqMode)-1;
    for (int i = 0; i < 4; i++)
        if (strcmp(seq, modes[i]) == 0)
            r->seq = (SeqMode)i;
    if ((int)r->seq < 0) {
        g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_ARGS,
                    "--seq '%s': use auto, bsim, ipid or rtp", seq);
        return FALSE;
    }
    const char *dir = a->direction ? a->direction : "any";
    r->dir = strcmp(dir, "in") == 0    ? ANALYZE_DIR_IN
             : strcmp(dir, "out") == 0 ? ANALYZE_DIR_OUT
                                       : -1;
    if (r->dir < 0 && strcmp(dir, "any") != 0) {
        g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_ARGS,
                    "--direction '%s': use in, out or any", dir);
        return FALSE;
    }
    uint64_t bin_ps = 10 * PS_PER_MS;
    if (a->bin && (!units_parse_time_ps(a->bin, 0, &bin_ps, NULL) || bin_ps < PS_PER_NS)) {
        g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_ARGS,
                    "--bin '%s': use a time of 1ns or more, e.g. 10ms", a->bin);
        return FALSE;
    }
    r->bin_ns = bin_ps / PS_PER_NS;
    if (a->gaps < 0 || a->gaps > ANALYZE_GAPS_MAX) {
        g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_ARGS, "--gaps %d: use 0 to %d", a->gaps,
                    ANALYZE_GAPS_MAX);
        return FALSE;
    }
    r->n_gaps = a->gaps;
    r->interfaces = a->interfaces;
    return TRUE;
}

/* Every --interface must name an interface of the input. */
static gboolean an_check_interfaces(const AnRun *r, GPtrArray *ifaces, GError **error)
{
    for (char **n = r->interfaces; n != NULL && *n != NULL; n++) {
        gboolean found = FALSE;
        GString *names = g_string_new(NULL);
        for (guint i = 0; i < ifaces->len; i++) {
            const AnalyzeIface *ifc = ifaces->pdata[i];
            found |= strcmp(ifc->name, *n) == 0;
            g_string_append_printf(names, "%s%s", i ? ", " : "", ifc->name);
        }
        if (!found)
            g_set_error(error, ANALYZE_ERROR, ANALYZE_ERROR_ARGS,
                        "--interface '%s': no such interface in the input (it has: %s)", *n,
                        names->len ? names->str : "none");
        g_string_free(names, TRUE);
        if (!found)
            return FALSE;
    }
    return TRUE;
}

static GString *an_report(const AnRun *r, GPtrArray *ifaces, const AnArgs *a)
{
    GString *out = g_string_new(NULL);
    g_autofree char *where = NULL;
    if (a->interfaces == NULL)
        where = g_strdup("every interface");
    else
        where = g_strjoinv(" + ", a->interfaces);
    g_string_append_printf(out,
                           "bondsim-analyze: %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
                           " bytes at %s; sequence %s, direction %s\n\n",
                           r->frames, r->bytes, where, a->seq ? a->seq : "auto",
                           a->direction ? a->direction : "any");
    an_table_load(r, ifaces, out);
    an_table_flows(r, where, out);
    if (a->flows)
        an_table_flow_detail(r, out);
    if (r->n_gaps > 0)
        an_table_gaps(r, out);
    return out;
}

static gboolean an_outputs(const AnRun *r, GPtrArray *ifaces, const AnArgs *a, GError **error)
{
    if (a->series) {
        g_autofree char *csv = an_series_csv(r, ifaces);
        if (!an_write("--series", a->series, csv, error))
            return FALSE;
    }
    if (a->json) {
        g_autofree char *json = an_json(r, ifaces, a->files);
        if (!an_write("--json", a->json, json, error))
            return FALSE;
    }
    return TRUE;
}

/* Reads every packet; the flows are closed at the end. */
static gboolean an_read_all(AnRun *r, AnalyzeReader *rd, GError **error)
{
    AnalyzePacket p;
    while (analyze_reader_next(rd, &p, error))
        if (!an_packet(r, &p, error))
            return FALSE;
    if (error && *error)
        return FALSE;
    for (guint i = 0; i < r->flows->len; i++) {
        AnFlow *fl = r->flows->pdata[i];
        if (!fl->started)
            an_flow_start(fl);
        reorder_finish(&fl->reorder);
    }
    return TRUE;
}

static int an_exit_code(const GError *err)
{
    if (err->code == ANALYZE_ERROR_ARGS)
        return EXIT_USAGE;
    return err->code == ANALYZE_ERROR_WRITE ? EXIT_OUTPUT : EXIT_CAPTURE;
}

static int an_main(AnArgs *a)
{
    GError *err = NULL;
    AnRun r = {0};
    r.flows = g_ptr_array_new_with_free_func(an_flow_free);
    r.by_key = g_hash_table_new(an_key_hash, an_key_equal);
    AnalyzeReader *rd = NULL;
    if (an_parse_args(a, &r, &err) &&
        (rd = analyze_reader_new((const char *const *)a->files, &err)) != NULL &&
        an_read_all(&r, rd, &err) && an_check_interfaces(&r, analyze_reader_ifaces(rd), &err) &&
        an_outputs(&r, analyze_reader_ifaces(rd), a, &err)) {
        GString *out = an_report(&r, analyze_reader_ifaces(rd), a);
        fputs(out->str, stdout);
        g_string_free(out, TRUE);
    }
    int rc = 0;
    if (err != NULL) {
        g_printerr("bondsim-analyze: %s\n", err->message);
        rc = an_exit_code(err);
        g_error_free(err);
    }
    analyze_reader_free(rd);
    g_hash_table_destroy(r.by_key);
    g_ptr_array_free(r.flows, TRUE);
    return rc;
}

static const char an_description[] =
    "Per-interface load, per-flow reordering (RFC 4737/5236) and the longest gaps of any\n"
    "Ethernet capture: bondsim's own pcapng (every interface in one file) or pcap files,\n"
    "or captures taken on a real server's slaves (tcpdump -w, dumpcap). Several files are\n"
    "merged by time. --interface (repeatable) chooses the interfaces analysed (default:\n"
    "all; bondsim's pcapng names them host/nic, a classic pcap file after its base name).\n"
    "Sequence numbers: the BSIM header of bondsim's flows (also behind an RTP header),\n"
    "else the IPv4 ID per 5-tuple (--seq ipid), or RTP's per SSRC (--seq rtp).\n"
    "\n"
    "Exit codes: 0 success, 1 a capture cannot be read, 2 bad command line, 3 an output\n"
    "cannot be written.";

int main(int argc, char **argv)
{
    AnArgs a = {0};
    a.gaps = 3;
    GOptionEntry entries[] = {
        {"interface", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &a.interfaces,
         "Analyse this interface (repeatable; default: all)", "NAME"},
        {"direction", 0, 0, G_OPTION_ARG_STRING, &a.direction,
         "Flows from frames received (in), sent (out) or both (any, default); frames "
         "without a direction (classic pcap) always count",
         "DIR"},
        {"seq", 0, 0, G_OPTION_ARG_STRING, &a.seq, "Sequence source: auto, bsim, ipid or rtp",
         "SRC"},
        {"bin", 0, 0, G_OPTION_ARG_STRING, &a.bin, "Load series bin width (default 10ms)", "TIME"},
        {"series", 0, 0, G_OPTION_ARG_FILENAME, &a.series, "Write the load series as CSV", "CSV"},
        {"gaps", 0, 0, G_OPTION_ARG_INT, &a.gaps, "Longest gaps listed per flow (0-16, default 3)",
         "N"},
        {"flows", 0, 0, G_OPTION_ARG_NONE, &a.flows, "Also list n-reordering, RD and RBD per flow",
         NULL},
        {"json", 0, 0, G_OPTION_ARG_FILENAME, &a.json, "Write every figure as JSON", "OUT"},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a.files, NULL, "FILE..."},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionContext *ctx = g_option_context_new("FILE...");
    g_option_context_set_description(ctx, an_description);
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *err = NULL;
    int rc = 0;
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        g_printerr("bondsim-analyze: %s\n", err->message);
        g_error_free(err);
        rc = EXIT_USAGE;
    } else if (a.files == NULL || a.files[0] == NULL) {
        g_printerr("bondsim-analyze: no capture file given (see --help)\n");
        rc = EXIT_USAGE;
    } else {
        rc = an_main(&a);
    }
    g_option_context_free(ctx);
    g_strfreev(a.files);
    g_strfreev(a.interfaces);
    g_free(a.direction);
    g_free(a.seq);
    g_free(a.bin);
    g_free(a.series);
    g_free(a.json);
    return rc;
}
