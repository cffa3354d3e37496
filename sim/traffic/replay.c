/* replay.c - capture replay (replay.h). */
#define _DEFAULT_SOURCE 1 /* u_char and friends for pcap.h */

#include "traffic/replay.h"

#include <math.h>
#include <pcap/pcap.h>
#include <string.h>

#include "net/ipv6.h"
#include "sim.h"
#include "util/bytes.h"
#include "util/units.h"

GQuark replay_error_quark(void)
{
    return g_quark_from_static_string("bondsim-replay-error-quark");
}

void replay_free(Replay *r)
{
    if (!r)
        return;
    g_free(r->name);
    g_free(r->path);
    if (r->pkts)
        g_array_free(r->pkts, TRUE);
    if (r->data)
        g_byte_array_free(r->data, TRUE);
    g_free(r);
}

/* Rewrite mode: the IPv4 packet of an Ethernet II frame, or NULL. */
static const uint8_t *replay_ipv4(const struct pcap_pkthdr *h, const uint8_t *d, uint32_t *len)
{
    if (h->caplen < ETH_HLEN + 20 || get_be16(d + 12) != ETH_P_IP)
        return NULL;
    const uint8_t *ip = d + ETH_HLEN;
    uint32_t ihl = (ip[0] & 15u) * 4u, tot = get_be16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl || tot > h->caplen - ETH_HLEN ||
        tot > REPLAY_MAX_FRAME - ETH_HLEN)
        return NULL;
    *len = tot;
    return ip;
}

#define IP6_NH_HOP 0u
#define IP6_NH_TCP 6u
#define IP6_NH_ROUTING 43u
#define IP6_NH_FRAGMENT 44u
#define IP6_NH_DSTOPTS 60u

/* Where the upper-layer header of an IPv6 packet (`len` bytes, header
 * first) starts: walks hop-by-hop, destination-options and fragment headers.
 * *frag: 0 not a fragment, 1 the first fragment, 2 a later one (no upper
 * header). False for a routing header (its last address is the checksum's
 * destination, which rewriting would contradict) or a header running past
 * the packet. */
static bool replay_ip6_upper(const uint8_t *ip, uint32_t len, uint32_t *off, uint8_t *proto,
                             int *frag)
{
    uint32_t o = IP6_HLEN;
    uint8_t nh = ip[6];
    *frag = 0;
    for (;;) {
        if (nh == IP6_NH_HOP || nh == IP6_NH_DSTOPTS) {
            if (o + 8 > len)
                return false;
            uint32_t ext = (ip[o + 1] + 1u) * 8u;
            nh = ip[o];
            o += ext;
        } else if (nh == IP6_NH_FRAGMENT) {
            if (o + 8 > len)
                return false;
            uint16_t fo = get_be16(ip + o + 2);
            nh = ip[o];
            o += 8;
            if (fo >> 3) { /* offset > 0: the upper header is in the first fragment */
                *frag = 2;
                break;
            }
            if (fo & 1u)
                *frag = 1;
        } else if (nh == IP6_NH_ROUTING) {
            return false;
        } else {
            break;
        }
        if (o > len)
            return false;
    }
    *off = o;
    *proto = nh;
    return true;
}

/* Rewrite mode: the IPv6 packet of an Ethernet II frame, or NULL. */
static const uint8_t *replay_ipv6(const struct pcap_pkthdr *h, const uint8_t *d, uint32_t *len)
{
    if (h->caplen < ETH_HLEN + IP6_HLEN || get_be16(d + 12) != ETH_P_IPV6)
        return NULL;
    const uint8_t *ip = d + ETH_HLEN;
    uint32_t tot = IP6_HLEN + (uint32_t)get_be16(ip + 4), off;
    uint8_t proto;
    int frag;
    /* payload length 0 is a jumbogram (or nothing): not replayed */
    if ((ip[0] >> 4) != 6 || tot == IP6_HLEN || tot > h->caplen - ETH_HLEN ||
        tot > REPLAY_MAX_FRAME - ETH_HLEN || !replay_ip6_upper(ip, tot, &off, &proto, &frag))
        return NULL;
    *len = tot;
    return ip;
}

/* libpcap's read error, said in the terms of a replay: where it stopped
 * (after frame N, or before the first) and what kind of damage. */
static void replay_read_error(GError **error, const char *path, uint64_t frames, const char *why)
{
    char where[48];
    if (frames)
        g_snprintf(where, sizeof where, "after frame %" G_GUINT64_FORMAT, frames);
    else
        g_strlcpy(where, "before the first frame", sizeof where);
    if (strstr(why, "truncated"))
        g_set_error(error, REPLAY_ERROR, REPLAY_ERROR_READ,
                    "%s: truncated capture: the file ends inside a record, %s (libpcap: %s)", path,
                    where, why);
    else if (strstr(why, "different from the"))
        g_set_error(error, REPLAY_ERROR, REPLAY_ERROR_READ,
                    "%s: an interface of this pcapng has another link type or snap length than "
                    "the first, %s: libpcap reads only one kind (keep one interface: tshark -r "
                    "FILE -Y 'frame.interface_id == 0' -w OUT) (libpcap: %s)",
                    path, where, why);
    else
        g_set_error(error, REPLAY_ERROR, REPLAY_ERROR_READ, "%s: corrupt capture, %s (libpcap: %s)",
                    path, where, why);
}

static const char *replay_addr_text(int family, const uint8_t *a, char *buf, size_t n)
{
    if (family == 6)
        return ipv6_format(a, buf, n);
    g_snprintf(buf, n, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    return buf;
}

bool replay_check_family(const Replay *r, int to_family, const char *to, GError **error)
{
    if (r->family == to_family)
        return true;
    char a[64];
    g_set_error(error, REPLAY_ERROR, REPLAY_ERROR_FAMILY,
                "%s: the capture's first IP source %s is IPv%d, so rewrite mode replays its IPv%d "
                "frames: to=%s is IPv%d (give an IPv%d address or a host with one)",
                r->path, replay_addr_text(r->family, r->cap_src, a, sizeof a), r->family, r->family,
                to, to_family, r->family);
    return false;
}

Replay *replay_load(const char *name, const char *path, ReplayMode mode, GError **error)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p) {
        const char *why = errbuf; /* libpcap often starts with the path: said once */
        size_t n = strlen(path);
        if (strncmp(why, path, n) == 0 && why[n] == ':')
            why += n + 1 + (why[n + 1] == ' ');
        g_set_error(error, REPLAY_ERROR, REPLAY_ERROR_OPEN, "%s: cannot read the capture: %s", path,
                    why);
        return NULL;
    }
    if (pcap_datalink(p) != DLT_EN10MB) {
        const char *ln = pcap_datalink_val_to_name(pcap_datalink(p));
        g_set_error(error, REPLAY_ERROR, REPLAY_ERROR_OPEN,
                    "%s: link type %s is not Ethernet (only Ethernet captures replay)", path,
                    ln ? ln : "unknown");
        pcap_close(p);
        return NULL;
    }
    Replay *r = g_new0(Replay, 1);
    r->name = g_strdup(name);
    r->path = g_strdup(path);
    r->mode = mode;
    r->speed = 1.0;
    r->loops = 1;
    r->pkts = g_array_new(FALSE, FALSE, sizeof(ReplayPkt));
    r->data = g_byte_array_new();
    struct pcap_pkthdr *h;
    const u_char *d;
    int rc;
    bool have_t0 = false;
    uint64_t t0 = 0;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        r->read++;
        uint64_t t = (uint64_t)h->ts.tv_sec * PS_PER_S + (uint64_t)h->ts.tv_usec * 1000u;
        const uint8_t *bytes = d;
        uint32_t len = h->caplen;
        if (mode == REPLAY_REWRITE) {
            int fam = 4;
            bytes = replay_ipv4(h, d, &len);
            if (!bytes) {
                fam = 6;
                bytes = replay_ipv6(h, d, &len);
            }
            if (bytes && !r->family) {
                r->family = fam;
                memcpy(r->cap_src, bytes + (fam == 4 ? 12 : 8), fam == 4 ? 4 : 16);
            }
            if (!bytes || fam != r->family ||
                memcmp(bytes + (fam == 4 ? 12 : 8), r->cap_src, fam == 4 ? 4 : 16) != 0) {
                r->skipped++;
                continue;
            }
        } else if (len > REPLAY_MAX_FRAME || len < ETH_HLEN) {
            r->skipped++;
            continue;
        }
        if (r->pkts->len >= REPLAY_MAX_FRAMES || r->data->len + (uint64_t)len > REPLAY_MAX_BYTES) {
            g_set_error(error, REPLAY_ERROR, REPLAY_ERROR_LIMIT,
                        "%s: more than %u frames or %u MiB: too large to replay (cut it with "
                        "editcap)",
                        path, REPLAY_MAX_FRAMES, REPLAY_MAX_BYTES >> 20);
            pcap_close(p);
            replay_free(r);
            return NULL;
        }
        if (!have_t0) {
            t0 = t;
            have_t0 = true;
        }
        ReplayPkt pk = {t >= t0 ? t - t0 : 0, r->data->len, len};
        g_array_append_val(r->pkts, pk);
        g_byte_array_append(r->data, bytes, len);
        if (pk.t_ps > r->span_ps)
            r->span_ps = pk.t_ps;
    }
    if (rc == -1) {
        replay_read_error(error, path, r->read, pcap_geterr(p));
        pcap_close(p);
        replay_free(r);
        return NULL;
    }
    pcap_close(p);
    if (r->pkts->len == 0) {
        if (mode == REPLAY_RAW)
            g_set_error(error, REPLAY_ERROR, REPLAY_ERROR_READ,
                        "%s: no frame to replay (%" G_GUINT64_FORMAT
                        " read, none of 14 to %u bytes)",
                        path, r->read, REPLAY_MAX_FRAME);
        else
            g_set_error(error, REPLAY_ERROR, REPLAY_ERROR_READ,
                        "%s: no IP frame to replay: rewrite mode replays Ethernet II IPv4 or IPv6 "
                        "frames, and none of the %" G_GUINT64_FORMAT
                        " frames read is one (mode=raw iface=IF sends any frame)",
                        path, r->read);
        replay_free(r);
        return NULL;
    }
    return r;
}

static uint64_t replay_scaled(const Replay *r, uint64_t t_ps)
{
    return (uint64_t)llround((double)t_ps / r->speed);
}

/* The time of the next frame (r->next of round r->round). */
static uint64_t replay_due(const Replay *r)
{
    const ReplayPkt *pk = &g_array_index(r->pkts, ReplayPkt, r->next);
    return r->round_base_ps + replay_scaled(r, pk->t_ps);
}

static void replay_fix_l4(uint8_t *ip, uint32_t len)
{
    uint32_t ihl = (ip[0] & 15u) * 4u;
    if (get_be16(ip + 6) & 0x3fff) /* a fragment: its L4 header is elsewhere */
        return;
    uint8_t *l4 = ip + ihl;
    uint32_t l4_len = len - ihl;
    if (ip[9] == 17 && l4_len >= 8) {
        put_be16(l4 + 6, 0);
    } else if (ip[9] == 6 && l4_len >= 20) {
        uint32_t pseudo = get_be16(ip + 12) + get_be16(ip + 14) + get_be16(ip + 16) +
                          get_be16(ip + 18) + 6u + l4_len;
        put_be16(l4 + 16, 0);
        put_be16(l4 + 16, inet_checksum(l4, l4_len, pseudo));
    }
}

/* The checksum field's offset in an upper-layer header that has one over the
 * IPv6 pseudo-header, or -1; `min` is the header's least length. */
static int replay_ip6_csum_off(uint8_t proto, uint32_t *min)
{
    switch (proto) {
    case IP6_PROTO_UDP:
        *min = 8;
        return 6;
    case IP6_NH_TCP:
        *min = 20;
        return 16;
    case IP6_PROTO_ICMPV6:
        *min = 4;
        return 2;
    default:
        return -1;
    }
}

/* New addresses into an IPv6 packet and its upper-layer checksum: recomputed
 * over the whole upper-layer packet, or, for a first fragment (whose
 * checksum covers the reassembled datagram), updated for the address change
 * (RFC 1624: add the new words and the complement of the old ones). */
static void replay_rewrite_ipv6(uint8_t *ip, uint32_t len, const uint8_t src[16],
                                const uint8_t dst[16])
{
    uint32_t off, min;
    uint8_t proto;
    int frag;
    bool ok = replay_ip6_upper(ip, len, &off, &proto, &frag);
    int cs = ok && frag != 2 ? replay_ip6_csum_off(proto, &min) : -1;
    if (cs < 0 || len - off < min) {
        memcpy(ip + 8, src, 16);
        memcpy(ip + 24, dst, 16);
        return;
    }
    uint8_t *l4 = ip + off;
    uint16_t c;
    if (frag == 1) {
        uint32_t sum = (uint16_t)~get_be16(l4 + cs);
        for (int i = 0; i < 32; i += 2)
            sum += (uint16_t)~get_be16(ip + 8 + i);
        memcpy(ip + 8, src, 16);
        memcpy(ip + 24, dst, 16);
        for (int i = 0; i < 32; i += 2)
            sum += get_be16(ip + 8 + i);
        while (sum >> 16)
            sum = (sum & 0xffffu) + (sum >> 16);
        c = (uint16_t)~sum;
    } else {
        memcpy(ip + 8, src, 16);
        memcpy(ip + 24, dst, 16);
        put_be16(l4 + cs, 0);
        c = inet_checksum(l4, len - off, ipv6_pseudo_sum(src, dst, len - off, proto));
    }
    put_be16(l4 + cs, c == 0 && proto == IP6_PROTO_UDP ? 0xffff : c);
}

/* Rewrite mode, once before the run: addresses and checksums into every
 * stored packet, so a send is a copy. */
static void replay_rewrite(Replay *r)
{
    for (guint i = 0; i < r->pkts->len; i++) {
        const ReplayPkt *pk = &g_array_index(r->pkts, ReplayPkt, i);
        uint8_t *ip = r->data->data + pk->off;
        if (r->family == 6) {
            replay_rewrite_ipv6(ip, pk->len, r->src_ip, r->dst_ip);
        } else {
            memcpy(ip + 12, r->src_ip, 4);
            memcpy(ip + 16, r->dst_ip, 4);
            put_be16(ip + 10, 0); /* host_send_ip fills it */
            replay_fix_l4(ip, pk->len);
        }
    }
    r->rewritten = true;
}

static void replay_tick(Sim *sim, void *obj, void *arg)
{
    (void)arg;
    Replay *r = obj;
    uint64_t now = sim->eng.now_ps;
    const ReplayPkt *pk = &g_array_index(r->pkts, ReplayPkt, r->next);
    const uint8_t *bytes = r->data->data + pk->off;
    Frame *f = frame_alloc(&sim->pool);
    if (!f) {
        r->alloc_fail++;
    } else {
        if (!r->sent)
            r->first_tx_ps = now;
        r->last_tx_ps = now;
        r->sent++;
        if (r->mode == REPLAY_RAW) {
            memcpy(f->data, bytes, pk->len);
            f->len = pk->len;
            r->sent_bytes += f->len;
            iface_xmit(sim, r->iface, f);
        } else {
            memcpy(f->data + ETH_HLEN, bytes, pk->len);
            f->len = ETH_HLEN + pk->len;
            r->sent_bytes += f->len;
            if (r->family == 6)
                ipv6_send(sim, r->src, f, r->dst_ip, &r->pc);
            else
                host_send_ip(sim, r->src, f, r->dst_ip, &r->pc);
        }
    }
    if (++r->next >= r->pkts->len) {
        r->next = 0;
        if (++r->round >= r->loops)
            return;
        uint64_t n = r->pkts->len;
        uint64_t gap = n > 1 ? r->span_ps / (n - 1) : PS_PER_MS;
        r->round_base_ps += replay_scaled(r, r->span_ps + gap);
    }
    uint64_t due = replay_due(r);
    if (due < sim->end_ps)
        timer_arm(&sim->eng, &r->timer, MAX(due, now));
}

void replay_start(Sim *sim, Replay *r)
{
    if (r->mode == REPLAY_REWRITE && !r->rewritten)
        replay_rewrite(r);
    r->next = 0;
    r->round = 0;
    r->round_base_ps = r->start_ps;
    timer_init(&r->timer, replay_tick, r);
    uint64_t due = replay_due(r);
    if (due < sim->end_ps)
        timer_arm(&sim->eng, &r->timer, due);
}
