/* echo.c - the IP-echo service and the sender's egress-address record (see
 * echo.h). */
#include "traffic/echo.h"

#include <string.h>

#include "sim.h"
#include "traffic/flow.h"
#include "util/bytes.h"

static const char *ip_text(Sim *sim, const uint8_t ip[4])
{
    return sim_internf(sim, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}

/* The service side: the first datagram of a flow from a new source address
 * gets a capture comment on its reply. */
static const char *echo_note(Sim *sim, Flow *flow, const uint8_t src[4])
{
    if (flow->echo_svc_seen && memcmp(flow->echo_svc_ip, src, 4) == 0)
        return NULL;
    const char *note = NULL;
    if (flow->echo_svc_seen)
        note = sim_internf(sim, "bondsim: egress-ip flow=%s %s->%s", flow->name,
                           ip_text(sim, flow->echo_svc_ip), ip_text(sim, src));
    else
        note = sim_internf(sim, "bondsim: egress-ip flow=%s %s", flow->name, ip_text(sim, src));
    memcpy(flow->echo_svc_ip, src, 4);
    flow->echo_svc_seen = true;
    return note;
}

void echo_udp_rx(Sim *sim, Iface *iface, Frame *f)
{
    Host *h = iface->host;
    uint8_t *ip = f->data + ETH_HLEN;
    uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;
    uint8_t *udp = ip + ihl;
    uint32_t payload = get_be16(udp + 4) >= 8 ? get_be16(udp + 4) - 8u : 0;
    if (ETH_HLEN + ihl + 8 + payload > f->len)
        payload = f->len - ETH_HLEN - ihl - 8;
    Flow *flow = NULL;
    if (f->flow != FRAME_NO_FLOW && f->flow < sim->flows->len) {
        flow = g_ptr_array_index(sim->flows, f->flow);
        Frame *copy = frame_clone(&sim->pool, f);
        if (copy)
            flow_deliver(sim, flow, h, copy);
    }
    uint8_t src[4], seen[ECHO_SEEN_LEN];
    memcpy(src, ip + 12, 4);
    memcpy(seen, src, 4);
    put_be16(seen + 4, get_be16(udp));
    if (payload > ECHO_SEEN_OFFSET) {
        uint32_t n = payload - ECHO_SEEN_OFFSET;
        memcpy(udp + 8 + ECHO_SEEN_OFFSET, seen, n < ECHO_SEEN_LEN ? n : ECHO_SEEN_LEN);
    }
    uint16_t sport = get_be16(udp);
    put_be16(udp, get_be16(udp + 2));
    put_be16(udp + 2, sport);
    put_be16(udp + 6, 0);
    memcpy(ip + 16, src, 4);
    ip[8] = 64;
    h->echo_replies++;
    if (flow && flow->kind == FLOW_UDP)
        f->note = echo_note(sim, flow, src);
    host_send_ip(sim, h, f, src, host_dst_cache(h, src));
}

void flow_echo_reply(Sim *sim, Flow *flow, const Frame *f)
{
    const uint8_t *ip = f->data + ETH_HLEN;
    uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;
    const uint8_t *seen = ip + ihl + 8 + ECHO_SEEN_OFFSET;
    if (ETH_HLEN + ihl + 8 + ECHO_SEEN_OFFSET + ECHO_SEEN_LEN > f->len)
        return;
    flow->echo_replies++;
    uint16_t port = get_be16(seen + 4);
    bool changed = flow->echo_replies > 1 && memcmp(flow->egress_ip, seen, 4) != 0;
    if (changed) {
        EchoChange c = {
            .time_ps = sim->eng.now_ps, .old_port = flow->egress_port, .new_port = port};
        memcpy(c.old_ip, flow->egress_ip, 4);
        memcpy(c.new_ip, seen, 4);
        if (!flow->egress_changes)
            flow->egress_changes = g_array_new(FALSE, FALSE, sizeof(EchoChange));
        g_array_append_val(flow->egress_changes, c);
    }
    memcpy(flow->egress_ip, seen, 4);
    flow->egress_port = port;
}
