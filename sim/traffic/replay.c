/* replay.c - capture replay (replay.h). */
#define _DEFAULT_SOURCE 1 /* u_char and friends for pcap.h */

#include "traffic/replay.h"

#include <math.h>
#include <pcap/pcap.h>
#include <string.h>

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
    bool have_t0 = false, have_src = false;
    uint64_t t0 = 0;
    uint8_t first_src[4] = {0};
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        r->read++;
        uint64_t t = (uint64_t)h->ts.tv_sec * PS_PER_S + (uint64_t)h->ts.tv_usec * 1000u;
        const uint8_t *bytes = d;
        uint32_t len = h->caplen;
        if (mode == REPLAY_REWRITE) {
            bytes = replay_ipv4(h, d, &len);
            if (bytes && !have_src) {
                memcpy(first_src, bytes + 12, 4);
                have_src = true;
            }
            if (!bytes || memcmp(bytes + 12, first_src, 4) != 0) {
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
        g_set_error(error, REPLAY_ERROR, REPLAY_ERROR_READ,
                    "%s: truncated or corrupt capture after %" G_GUINT64_FORMAT " frames: %s", path,
                    r->read, pcap_geterr(p));
        pcap_close(p);
        replay_free(r);
        return NULL;
    }
    pcap_close(p);
    if (r->pkts->len == 0) {
        g_set_error(error, REPLAY_ERROR, REPLAY_ERROR_READ, "%s: no frame to replay (%s)", path,
                    mode == REPLAY_REWRITE ? "rewrite mode replays Ethernet IPv4 frames"
                                           : "the capture is empty");
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
            uint8_t *ip = f->data + ETH_HLEN;
            memcpy(ip, bytes, pk->len);
            memcpy(ip + 12, r->src_ip, 4);
            memcpy(ip + 16, r->dst_ip, 4);
            put_be16(ip + 10, 0);
            replay_fix_l4(ip, pk->len);
            f->len = ETH_HLEN + pk->len;
            r->sent_bytes += f->len;
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
    r->next = 0;
    r->round = 0;
    r->round_base_ps = r->start_ps;
    timer_init(&r->timer, replay_tick, r);
    uint64_t due = replay_due(r);
    if (due < sim->end_ps)
        timer_arm(&sim->eng, &r->timer, due);
}
