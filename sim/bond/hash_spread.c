/* hash_spread.c - `bondsim hash-spread` (see hash_spread.h): why does all my
 * traffic use one link?
 *
 * The bond picks a slave per frame as usable[xmit_hash % count]. With the
 * default policy, layer2, the hash is dst_mac[5] ^ src_mac[5] ^ EtherType:
 * everything a server sends through its default gateway carries the same
 * two MACs, so every flow to every remote host lands on one slave, however
 * many there are. layer2+3 adds the IP addresses (one slave per host pair),
 * layer3+4 the ports (one per connection); the encap policies look inside
 * tunnels, vlan+srcmac only at the source MAC and VLAN. This command replays
 * a real capture through the same hash the simulator uses (hash.c) and
 * shows, per policy, which slave each flow would take and how the bytes
 * would spread, so the choice of policy can be made from the traffic itself.
 * (The switch hashes the return direction with its own algorithm.)
 *
 * One pass over the capture: each frame is labelled with its flow (a
 * GHashTable from label to flow, only for lookup; the report follows the
 * creation-order GPtrArray), hashed under every selected policy, and its
 * slave counted per flow and per slave. With --per-frame the slave of each
 * frame and policy is kept in a byte array (slaves <= 64 fit a byte) so the
 * report can list frames policy by policy. Cold code: GLib and formatting
 * throughout; the report is written only once the whole capture was read.
 */
/* libpcap's headers use the BSD types u_char and u_int, which glibc declares
 * only with _DEFAULT_SOURCE (the build asks for plain POSIX). */
#define _DEFAULT_SOURCE 1

#include "bond/hash_spread.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <string.h>

#include "bond/hash.h"
#include "bond/options.h"
#include "stats/table.h"
#include "util/bytes.h"

G_DEFINE_QUARK(bondsim - hash - spread - error - quark, hash_spread_error)

/* Report order: from the coarsest hash to the finest, then the odd one. */
static const BondHashPolicy spread_policy_order[BOND_HASH_POLICY_COUNT] = {
    BOND_HASH_LAYER2,  BOND_HASH_LAYER23, BOND_HASH_LAYER34,
    BOND_HASH_ENCAP23, BOND_HASH_ENCAP34, BOND_HASH_VLAN_SRCMAC,
};

typedef struct {
    char *label; /* the flow as printed; also the lookup key */
    guint64 frames;
    guint64 bytes;                               /* wire lengths */
    uint32_t first_hash[BOND_HASH_POLICY_COUNT]; /* by report position */
    guint64 slaves[BOND_HASH_POLICY_COUNT];      /* bit i: a frame left on slave i */
} SpreadFlow;

typedef struct {
    int slaves;
    int npol;                                   /* policies reported */
    BondHashPolicy pol[BOND_HASH_POLICY_COUNT]; /* in report order */
    bool per_frame;
    bool vlan_inband;
    GPtrArray *flows;     /* SpreadFlow, first appearance order; owns them */
    GHashTable *by_label; /* label (owned by the flow) -> SpreadFlow */
    guint64 slave_frames[BOND_HASH_POLICY_COUNT][HASH_SPREAD_MAX_SLAVES];
    guint64 slave_bytes[BOND_HASH_POLICY_COUNT][HASH_SPREAD_MAX_SLAVES];
    GByteArray *frame_slaves; /* per_frame: npol slave indices per frame */
    GByteArray *untagged;     /* scratch: a frame with its outer tag removed */
    GString *label;           /* scratch: the current frame's flow */
    guint64 frames;
    guint64 bytes;
} SpreadRun;

/* ------------------------------------------------------------------------ */
/* Flow labels                                                              */
/* ------------------------------------------------------------------------ */

static bool spread_is_vlan(uint16_t type)
{
    return type == 0x8100 || type == 0x88A8;
}

static const struct {
    uint8_t proto;
    const char *name;
} spread_ip_protos[] = {
    {1, "icmp"},  {2, "igmp"},   {4, "ipip"},        {6, "tcp"},
    {17, "udp"},  {33, "dccp"},  {41, "ipv6-in-ip"}, {47, "gre"},
    {50, "esp"},  {51, "ah"},    {58, "icmpv6"},     {89, "ospf"},
    {103, "pim"}, {112, "vrrp"}, {132, "sctp"},      {136, "udplite"},
};

static const char *spread_ip_proto_name(uint8_t p)
{
    for (gsize i = 0; i < G_N_ELEMENTS(spread_ip_protos); i++)
        if (spread_ip_protos[i].proto == p)
            return spread_ip_protos[i].name;
    return NULL;
}

static const struct {
    uint16_t type;
    const char *name;
} spread_ethertypes[] = {
    {0x0800, "ipv4"},
    {0x0806, "arp"},
    {0x8035, "rarp"},
    {0x86DD, "ipv6"},
    {0x8100, "802.1q"},
    {0x88A8, "802.1ad"},
    {0x8809, "slow protocols"},
    {0x88CC, "lldp"},
    {0x8847, "mpls"},
    {0x8848, "mpls multicast"},
    {0x8863, "pppoe discovery"},
    {0x8864, "pppoe session"},
    {0x8906, "fcoe"},
    {0x88F7, "ptp"},
    {0x88E5, "macsec"},
    {0x9000, "loopback"},
};

static void spread_append_mac(GString *l, const uint8_t *m)
{
    g_string_append_printf(l, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* "ether SRC > DST type 0x0806 (arp)", "llc SRC > DST length 38". */
static void spread_label_ether(GString *l, const uint8_t *f, uint16_t type, bool truncated)
{
    g_string_append(l, type < 0x0600 ? "llc " : "ether ");
    spread_append_mac(l, f + 6);
    g_string_append(l, " > ");
    spread_append_mac(l, f);
    if (type < 0x0600) {
        g_string_append_printf(l, " length %u", type);
        return;
    }
    g_string_append_printf(l, " type 0x%04x", type);
    for (gsize i = 0; i < G_N_ELEMENTS(spread_ethertypes); i++) {
        if (spread_ethertypes[i].type == type) {
            g_string_append_printf(l, " (%s%s)", spread_ethertypes[i].name,
                                   truncated ? ", truncated" : "");
            return;
        }
    }
}

/* The parsed part of an IP header, for labels. */
typedef struct {
    char src[48]; /* printable address, IPv6 in brackets */
    char dst[48];
    uint8_t proto;
    uint32_t l4; /* offset of the L4 header */
    bool fragment;
} SpreadIp;

static void spread_format_addr(int family, const uint8_t *a, char *buf, size_t len)
{
    char tmp[INET6_ADDRSTRLEN];
    if (inet_ntop(family, a, tmp, sizeof tmp) == NULL)
        g_strlcpy(tmp, "?", sizeof tmp);
    if (family == AF_INET6)
        g_snprintf(buf, len, "[%s]", tmp);
    else
        g_strlcpy(buf, tmp, len);
}

/* IPv6: hop-by-hop, routing and destination options are skipped, a
 * fragment header marks a fragment (for the label only). */
static void spread_ipv6_skip_ext(const uint8_t *f, uint32_t len, SpreadIp *ip)
{
    for (int n = 0; n < 8; n++) {
        if (ip->proto != 0 && ip->proto != 43 && ip->proto != 60 && ip->proto != 44)
            return;
        if (len < ip->l4 + 8)
            return;
        uint8_t next = f[ip->l4];
        if (ip->proto == 44) {
            ip->fragment = true;
            ip->proto = next;
            ip->l4 += 8;
            return;
        }
        ip->l4 += ((uint32_t)f[ip->l4 + 1] + 1) * 8;
        ip->proto = next;
    }
}

static bool spread_parse_ip(const uint8_t *f, uint32_t len, uint32_t off, uint16_t type,
                            SpreadIp *ip)
{
    memset(ip, 0, sizeof *ip);
    if (type == 0x0800) {
        if (len < off + 20 || (f[off] & 0x0f) < 5)
            return false;
        spread_format_addr(AF_INET, f + off + 12, ip->src, sizeof ip->src);
        spread_format_addr(AF_INET, f + off + 16, ip->dst, sizeof ip->dst);
        ip->proto = f[off + 9];
        ip->l4 = off + (uint32_t)(f[off] & 0x0f) * 4;
        ip->fragment = (get_be16(f + off + 6) & 0x3fff) != 0;
        return true;
    }
    if (type != 0x86DD || len < off + 40)
        return false;
    spread_format_addr(AF_INET6, f + off + 8, ip->src, sizeof ip->src);
    spread_format_addr(AF_INET6, f + off + 24, ip->dst, sizeof ip->dst);
    ip->proto = f[off + 6];
    ip->l4 = off + 40;
    spread_ipv6_skip_ext(f, len, ip);
    return true;
}

static bool spread_label_ip(GString *l, const uint8_t *f, uint32_t len, uint32_t off, uint16_t type,
                            int depth);

/* Where a tunnel's inner IP header starts (IP-in-IP, GRE version 0 with
 * IPv4, IPv6 or Ethernet inside); FALSE when there is none to show. */
static bool spread_tunnel_inner(const uint8_t *f, uint32_t len, const SpreadIp *ip, uint32_t *off,
                                uint16_t *type)
{
    if (ip->proto == 4 || ip->proto == 41) {
        *off = ip->l4;
        *type = ip->proto == 4 ? 0x0800 : 0x86DD;
        return true;
    }
    if (ip->proto != 47 || len < ip->l4 + 4)
        return false;
    uint16_t flags = get_be16(f + ip->l4);
    if (flags & 0x4007) /* routing, or not version 0 */
        return false;
    uint32_t o = ip->l4 + 4 + ((flags & 0x8000) ? 4 : 0) + ((flags & 0x2000) ? 4 : 0) +
                 ((flags & 0x1000) ? 4 : 0);
    *type = get_be16(f + ip->l4 + 2);
    if (*type == 0x6558) {
        if (len < o + 14)
            return false;
        *type = get_be16(f + o + 12);
        o += 14;
    }
    *off = o;
    return *type == 0x0800 || *type == 0x86DD;
}

/* After "proto SRC", " > DST" and the L4 part: ports, SPI, ICMP fields. */
static void spread_label_l4(GString *l, const uint8_t *f, uint32_t len, const SpreadIp *ip)
{
    const uint8_t *h = f + ip->l4;
    bool have4 = len >= ip->l4 + 4;
    switch (ip->proto) {
    case 6:
    case 17:
    case 33:
    case 132:
    case 136:
        if (have4 && !ip->fragment) {
            g_string_append_printf(l, ":%u > %s:%u", get_be16(h), ip->dst, get_be16(h + 2));
            return;
        }
        break;
    case 50:
    case 51: {
        uint32_t spi_off = ip->proto == 50 ? 0 : 4;
        if (!ip->fragment && len >= ip->l4 + spi_off + 4) {
            g_string_append_printf(l, " > %s spi 0x%08x", ip->dst, get_be32(h + spi_off));
            return;
        }
        break;
    }
    case 1:
    case 58:
        if (!ip->fragment && len >= ip->l4 + 8) {
            g_string_append_printf(l, " > %s type %u code %u", ip->dst, h[0], h[1]);
            if (h[0] == 0 || h[0] == 8 || h[0] == 13 || h[0] == 14 || h[0] == 128 || h[0] == 129)
                g_string_append_printf(l, " id 0x%04x", get_be16(h + 4));
            return;
        }
        break;
    default:
        break;
    }
    g_string_append_printf(l, " > %s", ip->dst);
}

/* ICMP errors carry the header of the packet that caused them. */
static bool spread_icmp_is_error(uint8_t proto, uint8_t type)
{
    if (proto == 1)
        return (type >= 3 && type <= 5) || type == 11 || type == 12;
    return type >= 1 && type <= 4;
}

/* Appends the flow of the IP header at `off`; FALSE when there is none
 * (truncated, or `type` not IP). One tunnel level is shown in brackets. */
static bool spread_label_ip(GString *l, const uint8_t *f, uint32_t len, uint32_t off, uint16_t type,
                            int depth)
{
    SpreadIp ip;
    if (!spread_parse_ip(f, len, off, type, &ip))
        return false;
    const char *name = spread_ip_proto_name(ip.proto);
    if (name)
        g_string_append_printf(l, "%s %s", name, ip.src);
    else
        g_string_append_printf(l, "proto %u %s", ip.proto, ip.src);
    spread_label_l4(l, f, len, &ip);
    if (ip.fragment) {
        g_string_append(l, " fragment");
        return true;
    }
    uint32_t inner_off = 0;
    uint16_t inner_type = 0;
    bool icmp_error = (ip.proto == 1 || ip.proto == 58) && len >= ip.l4 + 8 &&
                      spread_icmp_is_error(ip.proto, f[ip.l4]);
    if (icmp_error) {
        inner_off = ip.l4 + 8;
        inner_type = type;
    } else if (!spread_tunnel_inner(f, len, &ip, &inner_off, &inner_type)) {
        return true;
    }
    if (depth > 0) {
        gsize mark = l->len;
        g_string_append(l, " [");
        if (spread_label_ip(l, f, len, inner_off, inner_type, depth - 1))
            g_string_append_c(l, ']');
        else
            g_string_truncate(l, mark);
    }
    return true;
}

/* The flow of a frame as captured (tags included), into `l`. */
static void spread_label_frame(GString *l, const uint8_t *f, uint32_t len)
{
    g_string_truncate(l, 0);
    if (len < 14) {
        g_string_append_printf(l, "runt frame (%u bytes)", len);
        return;
    }
    uint32_t off = 12;
    uint16_t type = get_be16(f + 12);
    for (int n = 0; spread_is_vlan(type) && len >= off + 6 && n < 8; n++) {
        g_string_append_printf(l, n == 0 ? "vlan %u" : ".%u", get_be16(f + off + 2) & 0x0fff);
        type = get_be16(f + off + 4);
        off += 4;
    }
    if (off > 12)
        g_string_append_c(l, ' ');
    off += 2;
    if ((type == 0x0800 || type == 0x86DD) && spread_label_ip(l, f, len, off, type, 1))
        return;
    spread_label_ether(l, f, type, type == 0x0800 || type == 0x86DD);
}

/* ------------------------------------------------------------------------ */
/* Counting                                                                 */
/* ------------------------------------------------------------------------ */

static void spread_flow_free(gpointer p)
{
    SpreadFlow *fl = p;
    g_free(fl->label);
    g_free(fl);
}

static SpreadFlow *spread_flow_lookup(SpreadRun *r)
{
    SpreadFlow *fl = g_hash_table_lookup(r->by_label, r->label->str);
    if (fl)
        return fl;
    fl = g_new0(SpreadFlow, 1);
    fl->label = g_strdup(r->label->str);
    g_ptr_array_add(r->flows, fl);
    g_hash_table_insert(r->by_label, fl->label, fl);
    return fl;
}

/* The frame as the bond would get it: by default an outer tag is removed
 * and handed over as out-of-band metadata. */
static const uint8_t *spread_bond_view(SpreadRun *r, const uint8_t *data, uint32_t caplen,
                                       uint32_t *len, bool *oob, uint16_t *tci)
{
    *len = caplen;
    *oob = false;
    *tci = 0;
    if (r->vlan_inband || caplen < 18 || !spread_is_vlan(get_be16(data + 12)))
        return data;
    *oob = true;
    *tci = get_be16(data + 14);
    g_byte_array_set_size(r->untagged, caplen - 4);
    memcpy(r->untagged->data, data, 12);
    memcpy(r->untagged->data + 12, data + 16, caplen - 16);
    *len = caplen - 4;
    return r->untagged->data;
}

static void spread_count_frame(SpreadRun *r, const uint8_t *data, uint32_t caplen,
                               uint32_t wire_len)
{
    spread_label_frame(r->label, data, caplen);
    SpreadFlow *fl = spread_flow_lookup(r);
    uint32_t len;
    bool oob;
    uint16_t tci;
    const uint8_t *frame = spread_bond_view(r, data, caplen, &len, &oob, &tci);
    for (int i = 0; i < r->npol; i++) {
        uint32_t h = bond_xmit_hash(r->pol[i], frame, len, oob, tci);
        int slave = bond_hash_slave_index(h, r->slaves);
        if (fl->frames == 0)
            fl->first_hash[i] = h;
        fl->slaves[i] |= G_GUINT64_CONSTANT(1) << slave;
        r->slave_frames[i][slave]++;
        r->slave_bytes[i][slave] += wire_len;
        if (r->per_frame) {
            uint8_t b = (uint8_t)slave;
            g_byte_array_append(r->frame_slaves, &b, 1);
        }
    }
    fl->frames++;
    fl->bytes += wire_len;
    r->frames++;
    r->bytes += wire_len;
}

/* ------------------------------------------------------------------------ */
/* Reading the capture                                                      */
/* ------------------------------------------------------------------------ */

/* libpcap messages sometimes start with the file name already. */
static const char *spread_strip_path(const char *msg, const char *path)
{
    size_t n = strlen(path);
    if (strncmp(msg, path, n) == 0 && strncmp(msg + n, ": ", 2) == 0)
        return msg + n + 2;
    return msg;
}

static pcap_t *spread_open(const char *path, GError **error)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (p == NULL) {
        g_set_error(error, HASH_SPREAD_ERROR, HASH_SPREAD_ERROR_OPEN,
                    "%s: cannot read the capture: %s", path, spread_strip_path(errbuf, path));
        return NULL;
    }
    int dlt = pcap_datalink(p);
    if (dlt != DLT_EN10MB) {
        const char *name = pcap_datalink_val_to_name(dlt);
        g_set_error(error, HASH_SPREAD_ERROR, HASH_SPREAD_ERROR_LINKTYPE,
                    "%s: link type %d (%s) is not Ethernet: hash-spread needs a capture of "
                    "Ethernet frames (DLT_EN10MB): capture on the bond or a slave, not on 'any'",
                    path, dlt, name ? name : "unknown");
        pcap_close(p);
        return NULL;
    }
    return p;
}

static gboolean spread_read(SpreadRun *r, const char *path, GError **error)
{
    pcap_t *p = spread_open(path, error);
    if (p == NULL)
        return FALSE;
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(p, &hdr, &data)) == 1)
        spread_count_frame(r, data, hdr->caplen, hdr->len);
    if (rc != PCAP_ERROR_BREAK) {
        g_set_error(error, HASH_SPREAD_ERROR, HASH_SPREAD_ERROR_READ,
                    "%s: cannot read frame %" G_GUINT64_FORMAT ": %s", path, r->frames + 1,
                    spread_strip_path(pcap_geterr(p), path));
        pcap_close(p);
        return FALSE;
    }
    pcap_close(p);
    return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Report                                                                   */
/* ------------------------------------------------------------------------ */

static void spread_format_slaves(guint64 mask, char *buf, size_t len)
{
    GString *s = g_string_new(NULL);
    for (int i = 0; i < HASH_SPREAD_MAX_SLAVES; i++)
        if (mask & (G_GUINT64_CONSTANT(1) << i))
            g_string_append_printf(s, "%s%d", s->len ? "," : "", i);
    g_strlcpy(buf, s->str, len);
    g_string_free(s, TRUE);
}

static void spread_report_flows(const SpreadRun *r, int i, GString *out)
{
    const char *name = bond_hash_policy_name(r->pol[i]);
    g_autofree char *title = g_strdup_printf("policy %s: %u flows", name, r->flows->len);
    const char *const header[] = {"flow", "frames", "bytes", "hash", "slave", NULL};
    Table *t = table_new(title, header);
    for (guint k = 0; k < r->flows->len; k++) {
        const SpreadFlow *fl = r->flows->pdata[k];
        char slaves[3 * HASH_SPREAD_MAX_SLAVES];
        spread_format_slaves(fl->slaves[i], slaves, sizeof slaves);
        table_addf(t, "%s\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t0x%08x\t%s", fl->label,
                   fl->frames, fl->bytes, fl->first_hash[i], slaves);
    }
    table_render_free(t, out);
}

/* The busiest slave (first on ties) and its share of the bytes. */
static int spread_busiest(const SpreadRun *r, int i, double *share)
{
    int best = 0;
    for (int s = 1; s < r->slaves; s++)
        if (r->slave_bytes[i][s] > r->slave_bytes[i][best])
            best = s;
    *share = r->bytes ? (double)r->slave_bytes[i][best] / (double)r->bytes : 0.0;
    return best;
}

static void spread_report_slaves(const SpreadRun *r, int i, GString *out)
{
    const char *name = bond_hash_policy_name(r->pol[i]);
    g_autofree char *title = g_strdup_printf("policy %s: spread over %d slaves", name, r->slaves);
    const char *const header[] = {"slave", "frames", "bytes", "share", NULL};
    Table *t = table_new(title, header);
    for (int s = 0; s < r->slaves; s++) {
        double share = r->bytes ? 100.0 * (double)r->slave_bytes[i][s] / (double)r->bytes : 0.0;
        table_addf(t, "%d\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%.1f%%", s,
                   r->slave_frames[i][s], r->slave_bytes[i][s], share);
    }
    table_render_free(t, out);
    double share;
    int busiest = spread_busiest(r, i, &share);
    if (r->bytes == 0)
        g_string_append_printf(out, "policy %s: imbalance n/a (no frames)\n\n", name);
    else
        g_string_append_printf(out,
                               "policy %s: imbalance %.2f (slave %d carries %.1f%% of the bytes, "
                               "ideal %.1f%%)\n\n",
                               name, share * r->slaves, busiest, 100.0 * share, 100.0 / r->slaves);
}

static void spread_report_frames(const SpreadRun *r, int i, GString *out)
{
    const char *name = bond_hash_policy_name(r->pol[i]);
    for (guint64 n = 0; n < r->frames; n++)
        g_string_append_printf(out, "frame %" G_GUINT64_FORMAT " policy %s slave %u\n", n + 1, name,
                               r->frame_slaves->data[n * (guint64)r->npol + (guint64)i]);
    g_string_append_c(out, '\n');
}

static void spread_report_summary(const SpreadRun *r, GString *out)
{
    g_autofree char *title =
        g_strdup_printf("imbalance by policy (1.00 = even; %d = all on one slave)", r->slaves);
    const char *const header[] = {"policy", "imbalance", "busiest slave", "its share", NULL};
    Table *t = table_new(title, header);
    for (int i = 0; i < r->npol; i++) {
        double share;
        int busiest = spread_busiest(r, i, &share);
        if (r->bytes == 0)
            table_addf(t, "%s\tn/a\t-\t-", bond_hash_policy_name(r->pol[i]));
        else
            table_addf(t, "%s\t%.2f\t%d\t%.1f%%", bond_hash_policy_name(r->pol[i]),
                       share * r->slaves, busiest, 100.0 * share);
    }
    table_render_free(t, out);
}

static void spread_report(const SpreadRun *r, const char *path, GString *out)
{
    g_string_append_printf(out,
                           "capture %s: %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
                           " bytes, %u flows; %d slaves; %s\n\n",
                           path, r->frames, r->bytes, r->flows->len, r->slaves,
                           r->vlan_inband ? "VLAN tags hashed in-band, as captured"
                                          : "VLAN tags taken as out-of-band (added by a VLAN "
                                            "device on the bond)");
    for (int i = 0; i < r->npol; i++) {
        if (r->per_frame)
            spread_report_frames(r, i, out);
        spread_report_flows(r, i, out);
        spread_report_slaves(r, i, out);
    }
    if (r->npol > 1)
        spread_report_summary(r, out);
}

/* ------------------------------------------------------------------------ */
/* Entry point                                                              */
/* ------------------------------------------------------------------------ */

static void spread_run_init(SpreadRun *r, int slaves, int policy, bool per_frame, bool vlan_inband)
{
    memset(r, 0, sizeof *r);
    r->slaves = slaves;
    r->per_frame = per_frame;
    r->vlan_inband = vlan_inband;
    for (int i = 0; i < BOND_HASH_POLICY_COUNT; i++)
        if (policy < 0 || (int)spread_policy_order[i] == policy)
            r->pol[r->npol++] = spread_policy_order[i];
    r->flows = g_ptr_array_new_with_free_func(spread_flow_free);
    r->by_label = g_hash_table_new(g_str_hash, g_str_equal);
    r->frame_slaves = g_byte_array_new();
    r->untagged = g_byte_array_new();
    r->label = g_string_new(NULL);
}

static void spread_run_clear(SpreadRun *r)
{
    g_hash_table_destroy(r->by_label);
    g_ptr_array_free(r->flows, TRUE);
    g_byte_array_free(r->frame_slaves, TRUE);
    g_byte_array_free(r->untagged, TRUE);
    g_string_free(r->label, TRUE);
}

gboolean hash_spread_run(const char *capture_path, int slaves, int policy, bool per_frame,
                         bool vlan_inband, GString *out, GError **error)
{
    g_return_val_if_fail(capture_path != NULL && out != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    if (slaves < 1 || slaves > HASH_SPREAD_MAX_SLAVES) {
        g_set_error(error, HASH_SPREAD_ERROR, HASH_SPREAD_ERROR_ARGS,
                    "--slaves %d: use a number of slaves from 1 to %d", slaves,
                    HASH_SPREAD_MAX_SLAVES);
        return FALSE;
    }
    if (policy < -1 || policy >= BOND_HASH_POLICY_COUNT) {
        g_set_error(error, HASH_SPREAD_ERROR, HASH_SPREAD_ERROR_ARGS,
                    "--policy %d: use a policy from 0 to %d, or -1 for all", policy,
                    BOND_HASH_POLICY_COUNT - 1);
        return FALSE;
    }
    SpreadRun r;
    spread_run_init(&r, slaves, policy, per_frame, vlan_inband);
    gboolean ok = spread_read(&r, capture_path, error);
    if (ok) /* only now: on error `out` stays as it was */
        spread_report(&r, capture_path, out);
    spread_run_clear(&r);
    return ok;
}
