/* test_tcp_nat.c - TCP through a NAT box, the source address a connection
 * keeps when its route moves, and whether it survives the run's changes.
 *
 * The server end of a connection is a listener bound to what the SYN shows,
 * so a bulk transfer through SNAT connects and completes; an internet client
 * connects to a server's EIP (the loader resolves the EIP to the host owning
 * the private address it is bound to; the box DNATs the SYN and SNATs the
 * replies).
 *
 * A connection's local address is fixed when it is created (client: the
 * source the route gives its first SYN; server: the destination of the SYN
 * it accepted) and every later segment carries it, whichever interface the
 * route sends it out of, as Linux does. Checked with a tap on the receiving
 * NICs (every TCP segment's source and checksum) in both directions:
 *  - a client behind the NAT whose default route moves to its other NIC:
 *    through a plain switch its segments keep 10.0.1.10, the NAT's
 *    connection (keyed by the private address) keeps the first EIP, the
 *    connection survives; behind a cloud vSwitch with source checks the same
 *    segments die at the new NIC's port (src-ip-not-bound) and nothing more
 *    is delivered;
 *  - scenarios/tcp-eip-failover.ini (the server's route moves): the figures
 *    its comment block gives, the stall in RTO backoff, the new connection
 *    to the old EIP never established and the one to the new EIP done; with
 *    the comment's --set (no source check on eth1's port) it survives.
 * An RST still answers a segment to a closed port, from the address the
 * segment was sent to. A destination nobody owns or maps, a masquerade
 * address and a client's own EIP are refused at load with the file, line
 * and key.
 *
 * Also here: the ICMP echo reply's source is the request's destination
 * address (as Linux), not the outgoing interface's, which matters for
 * asymmetric routing and EIPs.
 */
#include "cu_run.h"
#include "nat.h"
#include "scenario/scenario.h"
#include "sim.h"
#include "switch.h"
#include "traffic/tcp.h"
#include "util/bytes.h"

#include <string.h>

/* The field note's DEFROUTE setup with a TCP connection instead of curl:
 * two NICs, each private address bound to its own EIP. */
static const char defroute_tcp_ini[] = "[simulation]\n"
                                       "format = 1\n"
                                       "duration = 3s\n"
                                       "[switch vsw]\n"
                                       "ports = 4\n"
                                       "[host client]\n"
                                       "nic.eth0 = speed=10M\n"
                                       "nic.eth1 = speed=10M\n"
                                       "addr.eth0 = 10.0.1.10/24\n"
                                       "addr.eth1 = 10.0.2.10/24\n"
                                       "route.default = via 10.0.1.1 metric 100, via 10.0.2.1 "
                                       "metric 200\n"
                                       "[nat cloudnat]\n"
                                       "nic.in0 = speed=10G\n"
                                       "nic.in1 = speed=10G\n"
                                       "nic.out0 = speed=10G\n"
                                       "addr.in0 = 10.0.1.1/24\n"
                                       "addr.in1 = 10.0.2.1/24\n"
                                       "addr.out0 = 203.0.113.1/24\n"
                                       "inside = in0 in1\n"
                                       "outside = out0\n"
                                       "eip = 10.0.1.10 -> 203.0.113.10, 10.0.2.10 -> "
                                       "203.0.113.11\n"
                                       "[host server]\n"
                                       "nic.eth0 = speed=10G\n"
                                       "addr.eth0 = 203.0.113.100/24\n"
                                       "[links]\n"
                                       "client.eth0 = vsw.port1 delay=1ms\n"
                                       "client.eth1 = vsw.port2 delay=1ms\n"
                                       "cloudnat.in0 = vsw.port3\n"
                                       "cloudnat.in1 = vsw.port4\n"
                                       "cloudnat.out0 = server.eth0 delay=5ms\n";

/* tcp-active-backup-rto.ini with a longer transfer: the primary's link is
 * cut at 60 ms and the bond fails over to eth1, same MAC and address. */
static const char ab_tcp_ini[] = "[simulation]\n"
                                 "format = 1\n"
                                 "duration = 2s\n"
                                 "[switch sw1]\n"
                                 "ports = 3\n"
                                 "speed = 10M\n"
                                 "[host server]\n"
                                 "nic.eth0 = speed=10M\n"
                                 "nic.eth1 = speed=10M\n"
                                 "bond.bond0 = mode=active-backup miimon=100 downdelay=300 "
                                 "primary=eth0\n"
                                 "bond.bond0.slaves = eth0 eth1\n"
                                 "addr.bond0 = 10.0.0.1/24\n"
                                 "[host client]\n"
                                 "nic.eth0 = speed=10M\n"
                                 "addr.eth0 = 10.0.0.2/24\n"
                                 "[links]\n"
                                 "server.eth0 = sw1.port1 delay=1ms\n"
                                 "server.eth1 = sw1.port2 delay=1ms\n"
                                 "client.eth0 = sw1.port3 delay=1ms\n"
                                 "[traffic bulk]\n"
                                 "tcp = server -> client bytes=400k window=16k\n"
                                 "[fault cut]\n"
                                 "at = 60ms\n"
                                 "link-down = server.eth0\n";

/* A server with two NICs, each private address bound to its own EIP at
 * "eipgw"; a client on the internet side. The server's default route is
 * via eth0 (metric 100), eth1's (metric 200) takes over when it goes. */
static const char eip_server_ini[] = "[simulation]\n"
                                     "format = 1\n"
                                     "duration = 2s\n"
                                     "[host server]\n"
                                     "nic.eth0 = speed=1G\n"
                                     "nic.eth1 = speed=1G\n"
                                     "addr.eth0 = 10.0.1.10/24\n"
                                     "addr.eth1 = 10.0.2.10/24\n"
                                     "route.default = via 10.0.1.1 metric 100, via 10.0.2.1 "
                                     "metric 200\n"
                                     "[nat eipgw]\n"
                                     "nic.in0 = speed=10G\n"
                                     "nic.in1 = speed=10G\n"
                                     "nic.out0 = speed=10G\n"
                                     "addr.in0 = 10.0.1.1/24\n"
                                     "addr.in1 = 10.0.2.1/24\n"
                                     "addr.out0 = 198.51.100.1/24\n"
                                     "inside = in0 in1\n"
                                     "outside = out0\n"
                                     "masquerade.out0 = 198.51.100.2\n"
                                     "eip = 10.0.1.10 -> 203.0.113.10, 10.0.2.10 -> "
                                     "203.0.113.11\n"
                                     "[host client]\n"
                                     "nic.eth0 = speed=10M\n"
                                     "addr.eth0 = 198.51.100.20/24\n"
                                     "route.default = via 198.51.100.1\n"
                                     "[links]\n"
                                     "server.eth0 = eipgw.in0 delay=50us\n"
                                     "server.eth1 = eipgw.in1 delay=50us\n"
                                     "client.eth0 = eipgw.out0 delay=5ms\n";

#define PS_PER_MS UINT64_C(1000000000)
#define FAULT_PS (1000 * PS_PER_MS) /* every route fault here is at 1 s */

/* ---- a tap on a NIC's receive: the TCP segments that arrive ------------- */

typedef struct {
    Nic *nic;
    NicRxFn orig;
    uint8_t src[4];    /* segments from this address ... */
    uint16_t dport;    /* ... to this port (0: any) */
    uint64_t from_src; /* counted after FAULT_PS */
    uint64_t from_other;
    uint64_t bad_csum; /* any TCP segment whose checksum is wrong */
    uint64_t rst;      /* RSTs from src */
    uint32_t rst_seq, rst_ack;
    uint8_t rst_flags;
} Tap;

#define MAX_TAPS 4
static Tap taps[MAX_TAPS];
static int n_taps;

/* The TCP checksum over the pseudo-header of the packet at `ip`. */
static bool tcp_csum_ok(const uint8_t *ip)
{
    uint32_t ihl = (ip[0] & 15u) * 4, len = get_be16(ip + 2) - ihl;
    uint32_t pseudo =
        get_be16(ip + 12) + get_be16(ip + 14) + get_be16(ip + 16) + get_be16(ip + 18) + 6u + len;
    return inet_checksum(ip + ihl, len, pseudo) == 0;
}

static void tap_rx(Sim *sim, Nic *nic, Frame *f)
{
    Tap *t = NULL;
    for (int i = 0; i < n_taps; i++)
        if (taps[i].nic == nic)
            t = &taps[i];
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    const uint8_t *ip = f->data + ETH_HLEN;
    if (f->len >= ETH_HLEN + 40 && get_be16(f->data + 12) == 0x0800 && ip[9] == 6) {
        const uint8_t *tcp = ip + (ip[0] & 15u) * 4;
        t->bad_csum += !tcp_csum_ok(ip);
        bool from = memcmp(ip + 12, t->src, 4) == 0;
        if (sim->eng.now_ps > FAULT_PS && (!t->dport || get_be16(tcp + 2) == t->dport)) {
            if (from)
                t->from_src++;
            else
                t->from_other++;
        }
        if (from && (tcp[13] & 0x04)) {
            t->rst++;
            t->rst_seq = get_be32(tcp + 4);
            t->rst_ack = get_be32(tcp + 8);
            t->rst_flags = tcp[13];
        }
    }
    t->orig(sim, nic, f);
}

static Tap *tap_on(Nic *nic, const uint8_t src[4], uint16_t dport)
{
    CU_ASSERT_FATAL(nic != NULL && n_taps < MAX_TAPS);
    Tap *t = &taps[n_taps++];
    *t = (Tap){.nic = nic, .orig = nic->rx, .dport = dport};
    memcpy(t->src, src, 4);
    nic->rx = tap_rx;
    return t;
}

static Host *find_host(Sim *sim, const char *name)
{
    for (guint i = 0; i < sim->hosts->len; i++) {
        Host *h = sim->hosts->pdata[i];
        if (strcmp(h->name, name) == 0)
            return h;
    }
    CU_FAIL_FATAL("no such host");
    return NULL;
}

static Switch *find_switch(Sim *sim, const char *name)
{
    for (guint i = 0; i < sim->switches->len; i++) {
        Switch *sw = sim->switches->pdata[i];
        if (strcmp(sw->name, name) == 0)
            return sw;
    }
    CU_FAIL_FATAL("no such switch");
    return NULL;
}

static TcpConn *conn_named(Sim *sim, const char *name)
{
    g_autoptr(GPtrArray) conns = tcp_conns(sim);
    for (guint i = 0; i < conns->len; i++)
        if (strcmp(((TcpConn *)conns->pdata[i])->name, name) == 0)
            return conns->pdata[i];
    CU_FAIL_FATAL("no such connection");
    return NULL;
}

/* Loads `text` (written to a scratch file) or, when `text` is NULL, the
 * scenario file `path` with the --set strings `sets` (may be NULL); no
 * capture; not run yet. */
static Sim *load(const char *name, const char *text, const char *path, const char *const *sets)
{
    g_autofree char *dir = cu_scratch_dir(name);
    g_autofree char *own = g_strdup_printf("%s/%s.ini", dir, name);
    if (text)
        CU_ASSERT_TRUE_FATAL(g_file_set_contents(own, text, -1, NULL));
    g_autoptr(GPtrArray) set_arr = g_ptr_array_new();
    for (int i = 0; sets && sets[i]; i++)
        g_ptr_array_add(set_arr, (char *)sets[i]);
    ScenarioOptions opts = {.sets = set_arr};
    GError *error = NULL;
    Sim *sim = scenario_load(text ? own : path, &opts, NULL, &error);
    if (!sim) {
        fprintf(stderr, "%s: %s\n", name, error ? error->message : "?");
        g_clear_error(&error);
        return NULL;
    }
    sim->cap = capture_new(CAPTURE_NONE, "unused", 0, NULL, NULL);
    n_taps = 0;
    return sim;
}

static Sim *run_text(const char *name, const char *text)
{
    Sim *sim = load(name, text, NULL, NULL);
    if (sim)
        sim_run(sim, false);
    return sim;
}

static TcpConn *only_conn(Sim *sim)
{
    g_autoptr(GPtrArray) conns = tcp_conns(sim);
    CU_ASSERT_EQUAL_FATAL(conns->len, 1);
    return conns->pdata[0];
}

static const uint8_t ip_a[4] = {10, 0, 1, 10}, ip_b[4] = {10, 0, 2, 10};
static const uint8_t eip_a[4] = {203, 0, 113, 10}, eip_b[4] = {203, 0, 113, 11};

static void bulk_through_snat_completes(void)
{
    g_autofree char *text =
        g_strconcat(defroute_tcp_ini, "[traffic bulk]\n",
                    "tcp = client -> 203.0.113.100 bytes=1000000 window=64k\n", NULL);
    Sim *sim = run_text("tcp-nat-bulk", text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    TcpConn *c = only_conn(sim);
    static const uint8_t eip[4] = {203, 0, 113, 10};
    CU_ASSERT_TRUE(c->srv.bound);
    CU_ASSERT_EQUAL(memcmp(c->srv.remote_ip, eip, 4), 0); /* the server saw the EIP */
    CU_ASSERT_TRUE(c->cli.has_local && memcmp(c->cli.local_ip, ip_a, 4) == 0);
    static const uint8_t srv_ip[4] = {203, 0, 113, 100};
    CU_ASSERT_TRUE(c->srv.has_local && memcmp(c->srv.local_ip, srv_ip, 4) == 0);
    CU_ASSERT_EQUAL(c->st.delivered, 1000000);
    CU_ASSERT_NOT_EQUAL(c->st.done_ps, 0);
    CU_ASSERT_EQUAL(c->cstate, TCP_DONE);
    CU_ASSERT_EQUAL(c->sstate, TCP_CLOSED);
    CU_ASSERT_EQUAL(c->st.resets, 0);
    char why[160];
    CU_ASSERT_TRUE(tcp_survived(sim, c, why, sizeof why));
    CU_ASSERT_STRING_EQUAL(why, "no fault or route change");
    CU_ASSERT_TRUE(nat_stats(sim->nats->pdata[0])->snat > 0);
    CU_ASSERT_TRUE(nat_stats(sim->nats->pdata[0])->dnat > 0);
    sim_free(sim);
}

/* The client behind the NAT moves its default route to eth1 (10.0.2.10)
 * at 1 s. Its connection keeps 10.0.1.10 as source (a tap on the NAT's
 * in1: every segment of it that arrives there after the change), the NAT's
 * connection, keyed by that private address, gives it the first EIP still
 * (no second connection), the server never sees another address, and the
 * transfer goes on: survived. */
static void egress_moved_keeps_source_and_survives(void)
{
    g_autofree char *text = g_strconcat(
        defroute_tcp_ini, "[traffic bulk]\n", "tcp = client -> 203.0.113.100 window=64k\n",
        "[fault defroute]\n", "at = 1s\n", "default-route = client via 10.0.2.1\n", NULL);
    Sim *sim = load("tcp-nat-defroute", text, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    Tap *in1 = tap_on(host_find_nic(find_host(sim, "cloudnat"), "in1"), ip_a, 5001);
    sim_run(sim, false);
    TcpConn *c = only_conn(sim);
    CU_ASSERT_TRUE(memcmp(c->cli.local_ip, ip_a, 4) == 0);
    CU_ASSERT_TRUE(in1->from_src > 100); /* data left eth1 from 10.0.1.10 */
    CU_ASSERT_EQUAL(in1->from_other, 0); /* never from 10.0.2.10 */
    CU_ASSERT_EQUAL(in1->bad_csum, 0);
    CU_ASSERT_TRUE(c->st.fresh_sent_ps > FAULT_PS + 100 * PS_PER_MS);
    CU_ASSERT_TRUE(c->st.acked_sent_ps > FAULT_PS + 100 * PS_PER_MS);
    CU_ASSERT_EQUAL(memcmp(c->srv.remote_ip, eip_a, 4), 0);
    CU_ASSERT_EQUAL(nat_stats(sim->nats->pdata[0])->created, 1);
    Host *srv = c->srv.host;
    CU_ASSERT_EQUAL(tcp_host_no_conn_segs(srv), 0);
    CU_ASSERT_EQUAL(srv->drops[HOST_DROP_NO_LISTENER], 0);
    CU_ASSERT_EQUAL(c->st.stray_segs, 0);
    CU_ASSERT_EQUAL(c->st.resets, 0);
    char why[160];
    CU_ASSERT_TRUE(tcp_survived(sim, c, why, sizeof why));
    CU_ASSERT_STRING_EQUAL(why, "delivered and acknowledged data sent after defroute at 1.000 s");
    sim_free(sim);
}

/* The same behind a cloud vSwitch that checks sources: the segments that
 * keep 10.0.1.10 on eth1's port are dropped there (counted by reason, and
 * as many as reach the port), the NAT never sees them, nothing sent after
 * the change is delivered, the client backs off. */
static void egress_moved_source_check_drops(void)
{
    g_autofree char *base = g_strdup(defroute_tcp_ini);
    g_autofree char *cloud = NULL;
    {
        const char *sw = "[switch vsw]\nports = 4\n";
        char *at = strstr(base, sw);
        CU_ASSERT_PTR_NOT_NULL_FATAL(at);
        *at = '\0';
        cloud = g_strconcat(base, sw, "profile = aws\nbind.port3 = trusted\nbind.port4 = trusted\n",
                            at + strlen(sw), NULL);
    }
    g_autofree char *text = g_strconcat(
        cloud, "[traffic bulk]\n", "tcp = client -> 203.0.113.100 window=64k\n",
        "[fault defroute]\n", "at = 1s\n", "default-route = client via 10.0.2.1\n", NULL);
    Sim *sim = load("tcp-nat-defroute-vsw", text, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    Switch *vsw = find_switch(sim, "vsw");
    Tap *port2 = tap_on(switch_port(vsw, 2), ip_a, 5001);
    Tap *in1 = tap_on(host_find_nic(find_host(sim, "cloudnat"), "in1"), ip_a, 5001);
    sim_run(sim, false);
    TcpConn *c = only_conn(sim);
    CU_ASSERT_TRUE(port2->from_src > 0);
    CU_ASSERT_EQUAL(port2->from_other, 0);
    CU_ASSERT_EQUAL(switch_vs_drops(vsw, 2, SWITCH_VS_SRC_IP), port2->from_src);
    CU_ASSERT_EQUAL(switch_vs_drops(vsw, 2, SWITCH_VS_SRC_MAC), 0);
    CU_ASSERT_EQUAL(switch_vs_drops(vsw, 1, SWITCH_VS_SRC_IP), 0);
    CU_ASSERT_EQUAL(in1->from_src + in1->from_other, 0);
    CU_ASSERT_TRUE(c->st.fresh_sent_ps < FAULT_PS);
    CU_ASSERT_TRUE(c->st.rto_events >= 3);
    CU_ASSERT_TRUE(c->st.max_backoff >= 3);
    CU_ASSERT_EQUAL(c->st.resets, 0);
    CU_ASSERT_EQUAL(c->cstate, TCP_ESTABLISHED);
    CU_ASSERT_EQUAL(nat_stats(sim->nats->pdata[0])->created, 1);
    char why[160];
    CU_ASSERT_FALSE(tcp_survived(sim, c, why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "nothing sent after defroute at 1.000 s was delivered"));
    sim_free(sim);
}

/* An internet client opens a connection to the server's EIP: resolved to
 * the server, DNAT on the way in, SNAT back to the EIP on the way out. */
static void tcp_to_eip_connects_and_transfers(void)
{
    g_autofree char *text =
        g_strconcat(eip_server_ini, "[traffic upload]\n",
                    "tcp = client -> 203.0.113.10 bytes=500000 window=64k\n", NULL);
    Sim *sim = run_text("tcp-to-eip", text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    TcpConn *c = only_conn(sim);
    CU_ASSERT_STRING_EQUAL(c->srv.host->name, "server");
    CU_ASSERT_STRING_EQUAL(c->dst_name, "203.0.113.10");
    static const uint8_t eip[4] = {203, 0, 113, 10}, client_ip[4] = {198, 51, 100, 20};
    CU_ASSERT_EQUAL(memcmp(c->cli.remote_ip, eip, 4), 0); /* the client talks to the EIP */
    CU_ASSERT_TRUE(c->srv.bound);
    CU_ASSERT_EQUAL(memcmp(c->srv.remote_ip, client_ip, 4), 0); /* no SNAT inbound */
    /* local addresses: the client's interface, the server's DNAT target */
    CU_ASSERT_TRUE(c->cli.has_local && memcmp(c->cli.local_ip, client_ip, 4) == 0);
    CU_ASSERT_TRUE(c->srv.has_local && memcmp(c->srv.local_ip, ip_a, 4) == 0);
    CU_ASSERT_EQUAL(c->st.delivered, 500000);
    CU_ASSERT_EQUAL(c->cstate, TCP_DONE);
    CU_ASSERT_EQUAL(c->sstate, TCP_CLOSED);
    CU_ASSERT_EQUAL(c->st.resets, 0);
    CU_ASSERT_EQUAL(c->st.stray_segs, 0);
    CU_ASSERT_EQUAL(tcp_host_no_conn_segs(c->cli.host), 0);
    CU_ASSERT_TRUE(tcp_goodput_bps(c) > 5e6); /* a 10 Mb/s access link */
    const NatStats *ns = nat_stats(sim->nats->pdata[0]);
    CU_ASSERT_EQUAL(ns->created, 1); /* opened from outside (static DNAT) */
    CU_ASSERT_TRUE(ns->dnat >= 500000 / 1460);
    CU_ASSERT_TRUE(ns->snat > 0);
    char why[160];
    CU_ASSERT_TRUE(tcp_survived(sim, c, why, sizeof why));
    sim_free(sim);
}

/* Records when the client last processed an ACK. */
static void note_ack_time(Sim *sim, TcpConn *c, void *data)
{
    (void)c;
    *(uint64_t *)data = sim->eng.now_ps;
}

#define EIP_SCENARIO BONDSIM_SOURCE_DIR "/scenarios/tcp-eip-failover.ini"

/* scenarios/tcp-eip-failover.ini as its comment tells it. The server's
 * route moves to eth1 at 1 s; "upload"'s ACKs keep 10.0.1.10 and die at
 * the vSwitch's eth1 port (every segment from 10.0.1.10 reaching port2 is
 * dropped src-ip-not-bound: 12 frames, the upload's ACKs and the SYN+ACKs of
 * "after-old-eip"); no ACK is processed by the client after the last one
 * sent from eth0 could arrive; data is delivered but not acknowledged, the
 * client backs off (4 RTOs), the stall lasts to the end of the run; no RST,
 * no stray segment anywhere; "after-new-eip", answered from 10.0.2.10,
 * completes. The figures are those of the scenario's comment block. */
static void eip_failover_source_check_stalls(void)
{
    Sim *sim = load("tcp-eip-scenario", NULL, EIP_SCENARIO, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    Switch *vsw = find_switch(sim, "vsw");
    Tap *port2 = tap_on(switch_port(vsw, 2), ip_a, 0);
    Tap *eipgw_in1 = tap_on(host_find_nic(find_host(sim, "eipgw"), "in1"), ip_b, 0);
    Tap *client = tap_on(host_find_nic(find_host(sim, "client"), "eth0"), eip_a, 0);
    TcpConn *up = conn_named(sim, "upload");
    TcpConn *old_eip = conn_named(sim, "after-old-eip");
    TcpConn *new_eip = conn_named(sim, "after-new-eip");
    uint64_t last_ack = 0;
    up->on_ack = note_ack_time;
    up->on_ack_data = &last_ack;
    sim_run(sim, false);
    /* the connection's source is kept on eth1 and dropped there */
    CU_ASSERT_TRUE(memcmp(up->srv.local_ip, ip_a, 4) == 0);
    CU_ASSERT_TRUE(memcmp(old_eip->srv.local_ip, ip_a, 4) == 0);
    CU_ASSERT_TRUE(memcmp(new_eip->srv.local_ip, ip_b, 4) == 0);
    CU_ASSERT_EQUAL(port2->from_src, 12);
    CU_ASSERT_EQUAL(switch_vs_drops(vsw, 2, SWITCH_VS_SRC_IP), 12);
    CU_ASSERT_EQUAL(switch_vs_drops(vsw, 2, SWITCH_VS_SRC_MAC), 0);
    CU_ASSERT_EQUAL(switch_vs_drops(vsw, 1, SWITCH_VS_SRC_IP), 0);
    CU_ASSERT_TRUE(eipgw_in1->from_src > 0);   /* after-new-eip, from 10.0.2.10 */
    CU_ASSERT_EQUAL(eipgw_in1->from_other, 0); /* nothing from 10.0.1.10 got through */
    CU_ASSERT_EQUAL(port2->bad_csum + eipgw_in1->bad_csum + client->bad_csum, 0);
    /* the client: nothing from EIP A after the last ACK sent from eth0 */
    CU_ASSERT_TRUE(last_ack > FAULT_PS - 100 * PS_PER_MS);
    CU_ASSERT_TRUE(last_ack < FAULT_PS + 30 * PS_PER_MS);
    CU_ASSERT_EQUAL(client->rst, 0);
    Host *cli = find_host(sim, "client"), *srv = find_host(sim, "server");
    CU_ASSERT_EQUAL(tcp_host_no_conn_segs(cli) + tcp_host_no_conn_segs(srv), 0);
    CU_ASSERT_EQUAL(tcp_host_rsts_sent(cli) + tcp_host_rsts_sent(srv), 0);
    /* upload: delivered, never acknowledged, backing off */
    CU_ASSERT_EQUAL(up->st.delivered, 78840);
    CU_ASSERT_TRUE(up->st.fresh_sent_ps > FAULT_PS);
    CU_ASSERT_TRUE(up->st.acked_sent_ps < FAULT_PS);
    CU_ASSERT_EQUAL(up->st.rto_events, 4);
    CU_ASSERT_EQUAL(up->st.max_backoff, 4);
    CU_ASSERT_EQUAL(up->st.resets, 0);
    CU_ASSERT_EQUAL(up->st.stray_segs, 0);
    CU_ASSERT_EQUAL(up->cstate, TCP_ESTABLISHED);
    /* the open stall counted to the end of the run (5 s) */
    CU_ASSERT_EQUAL(up->st.stall_from_ps + up->st.max_stall_ps, sim->end_ps);
    CU_ASSERT_EQUAL(up->st.max_stall_ps, UINT64_C(3881597824000));
    CU_ASSERT_EQUAL(up->st.stall_rtos, 4);
    char why[200];
    CU_ASSERT_FALSE(tcp_survived(sim, up, why, sizeof why));
    CU_ASSERT_STRING_EQUAL(why, "data sent after route-failover at 1.000 s was delivered, no ACK "
                                "of it came back (4 RTOs)");
    /* new connections: to the old EIP never established, to the new done */
    CU_ASSERT_EQUAL(old_eip->cstate, TCP_SYN_SENT);
    CU_ASSERT_EQUAL(old_eip->st.rto_events, 2);
    CU_ASSERT_FALSE(tcp_survived(sim, old_eip, why, sizeof why));
    CU_ASSERT_STRING_EQUAL(why, "never established");
    CU_ASSERT_EQUAL(new_eip->cstate, TCP_DONE);
    CU_ASSERT_EQUAL(new_eip->st.delivered, 20000);
    CU_ASSERT_TRUE(tcp_survived(sim, new_eip, why, sizeof why));
    CU_ASSERT_EQUAL(nat_stats(sim->nats->pdata[0])->created, 3);
    sim_free(sim);
}

/* The comment's --set: no source check on eth1's port. The segments from
 * 10.0.1.10 now reach the gateway through in1, its connection (keyed by
 * the private address) gives them EIP A again, and all three connections
 * survive; the upload's figures are the comment's. */
static void eip_failover_without_source_check_survives(void)
{
    static const char *const sets[] = {"switch.vsw.bind.port2=trusted", NULL};
    Sim *sim = load("tcp-eip-scenario-trusted", NULL, EIP_SCENARIO, sets);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    Tap *eipgw_in1 = tap_on(host_find_nic(find_host(sim, "eipgw"), "in1"), ip_a, 40000);
    Tap *client = tap_on(host_find_nic(find_host(sim, "client"), "eth0"), eip_a, 40000);
    sim_run(sim, false);
    Switch *vsw = find_switch(sim, "vsw");
    CU_ASSERT_EQUAL(switch_vs_drops(vsw, 2, SWITCH_VS_SRC_IP), 0);
    CU_ASSERT_TRUE(eipgw_in1->from_src > 100); /* the upload's ACKs, via eth1 */
    CU_ASSERT_EQUAL(eipgw_in1->from_other, 0);
    CU_ASSERT_TRUE(client->from_src > 100); /* ... and from EIP A at the client */
    CU_ASSERT_EQUAL(client->from_other, 0);
    CU_ASSERT_EQUAL(eipgw_in1->bad_csum + client->bad_csum, 0);
    CU_ASSERT_EQUAL(nat_stats(sim->nats->pdata[0])->created, 3);
    TcpConn *up = conn_named(sim, "upload");
    CU_ASSERT_EQUAL(up->st.delivered, 477420);
    CU_ASSERT_EQUAL(up->st.resets, 0);
    char why[200];
    CU_ASSERT_TRUE(tcp_survived(sim, up, why, sizeof why));
    CU_ASSERT_STRING_EQUAL(why,
                           "delivered and acknowledged data sent after route-failover at 1.000 s");
    CU_ASSERT_EQUAL(up->st.retransmits, 14);
    CU_ASSERT_EQUAL(up->st.spurious_rto, 14);
    CU_ASSERT_EQUAL(up->st.rto_events, 2);
    CU_ASSERT_EQUAL(conn_named(sim, "after-old-eip")->cstate, TCP_DONE);
    CU_ASSERT_EQUAL(conn_named(sim, "after-new-eip")->cstate, TCP_DONE);
    sim_free(sim);
}

/* The capture, read by tshark: on server/eth1 every segment of "upload"
 * (client port 40000) and "after-old-eip" (40100) has source 10.0.1.10,
 * every one of "after-new-eip" (40200) 10.0.2.10; every TCP checksum of
 * the capture is good; no RST; the vSwitch's drops are commented. */
static void eip_failover_on_the_wire(void)
{
    g_autofree char *tshark = g_find_program_in_path("tshark");
    if (!tshark) {
        fprintf(stderr, " (tshark not on PATH: skipped) ");
        return;
    }
    g_autofree char *dir = cu_scratch_dir("tcp-eip-wire");
    const char *argv[] = {BONDSIM_BINARY, "run", EIP_SCENARIO, "-q", "-o", dir, NULL};
    int status = -1;
    CU_ASSERT_TRUE_FATAL(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                                      NULL, NULL, NULL, &status, NULL));
    CU_ASSERT_EQUAL_FATAL(status, 0);
    g_autofree char *pcap = g_strdup_printf("%s/tcp-eip-failover.pcapng", dir);
    const char *tv[] = {tshark,
                        "-r",
                        pcap,
                        "-o",
                        "tcp.check_checksum:TRUE",
                        "-Y",
                        "tcp",
                        "-T",
                        "fields",
                        "-e",
                        "frame.interface_name",
                        "-e",
                        "ip.src",
                        "-e",
                        "tcp.dstport",
                        "-e",
                        "tcp.checksum.status",
                        "-e",
                        "tcp.flags.reset",
                        "-e",
                        "frame.comment",
                        NULL};
    g_autofree char *out = NULL;
    CU_ASSERT_TRUE_FATAL(g_spawn_sync(NULL, (char **)tv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                                      NULL, &out, NULL, &status, NULL));
    CU_ASSERT_EQUAL(status, 0);
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    int n = 0, good = 0, resets = 0, eth1_a = 0, eth1_b = 0, eth1_wrong = 0, noted = 0;
    for (int i = 0; lines[i] && lines[i][0]; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], "\t", -1);
        CU_ASSERT_FATAL(g_strv_length(f) >= 5);
        n++;
        good += strcmp(f[3], "1") == 0; /* PROTO_CHECKSUM_E_GOOD */
        resets += strcmp(f[4], "1") == 0 || strcmp(f[4], "True") == 0;
        if (f[5] && strstr(f[5], "bondsim: drop vsw port2 reason=src-ip-not-bound profile=aws"))
            noted++;
        if (strcmp(f[0], "server/eth1") != 0)
            continue;
        bool old = strcmp(f[2], "40000") == 0 || strcmp(f[2], "40100") == 0;
        bool new = strcmp(f[2], "40200") == 0;
        if (old && strcmp(f[1], "10.0.1.10") == 0)
            eth1_a++;
        else if (new &&strcmp(f[1], "10.0.2.10") == 0)
            eth1_b++;
        else if (old || new)
            eth1_wrong++;
    }
    CU_ASSERT_TRUE(n > 100);
    CU_ASSERT_EQUAL(good, n);
    CU_ASSERT_EQUAL(resets, 0);
    CU_ASSERT_EQUAL(eth1_a, 12);
    CU_ASSERT_TRUE(eth1_b >= 5); /* SYN+ACK, ACKs, FIN */
    CU_ASSERT_EQUAL(eth1_wrong, 0);
    CU_ASSERT_TRUE(noted >= 1);
}

/* A SYN from the client to a closed port (9) of the server's second EIP,
 * injected at 500 ms while "upload" runs: DNATed to 10.0.2.10, it matches
 * no connection; the server answers RST+ACK (sequence 0, ACK = the SYN's
 * sequence + 1) from 10.0.2.10, the address the SYN was sent to, although
 * its route sends it out of eth0: the gateway finds the DNAT connection by
 * that address and the RST reaches the client from 203.0.113.11 (no second
 * connection opened for it). The client has no connection for it either:
 * counted, and no RST for an RST. */
static const uint32_t probe_seq = 0x12345678u;

static void send_probe(Sim *sim, void *obj, void *arg)
{
    (void)arg;
    Host *client = obj;
    static const uint8_t from[4] = {198, 51, 100, 20};
    Frame *f = frame_alloc(&sim->pool);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    uint8_t *ip = f->data + ETH_HLEN, *t = ip + 20;
    ipv4_write_header(ip, 40, 1, 6, from, eip_b);
    memset(t, 0, 20);
    put_be16(t, 33333);
    put_be16(t + 2, 9);
    put_be32(t + 4, probe_seq);
    t[12] = 5 << 4;
    t[13] = 0x02; /* SYN */
    put_be16(t + 14, 65535);
    uint32_t pseudo =
        get_be16(from) + get_be16(from + 2) + get_be16(eip_b) + get_be16(eip_b + 2) + 6u + 20u;
    put_be16(t + 16, inet_checksum(t, 20, pseudo));
    f->len = ETH_HLEN + 40;
    host_send_ip_src(sim, client, f, eip_b, from, NULL);
}

static void rst_for_closed_port_from_segment_destination(void)
{
    g_autofree char *text = g_strconcat(eip_server_ini, "[traffic upload]\n",
                                        "tcp = client -> 203.0.113.10 bytes=200000\n", NULL);
    Sim *sim = load("tcp-closed-port", text, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    Host *cli = find_host(sim, "client"), *srv = find_host(sim, "server");
    Tap *in0 = tap_on(host_find_nic(find_host(sim, "eipgw"), "in0"), ip_b, 0);
    Tap *at_client = tap_on(host_find_nic(cli, "eth0"), eip_b, 0);
    CU_ASSERT_TRUE_FATAL(engine_schedule(&sim->eng, 500 * PS_PER_MS, send_probe, cli, NULL));
    sim_run(sim, false);
    CU_ASSERT_EQUAL(tcp_host_no_conn_segs(srv), 1);
    CU_ASSERT_EQUAL(tcp_host_rsts_sent(srv), 1);
    CU_ASSERT_EQUAL(srv->drops[HOST_DROP_NO_LISTENER], 1);
    /* from 10.0.2.10, out of eth0 (the default route) to the gateway's in0 */
    CU_ASSERT_EQUAL(in0->rst, 1);
    CU_ASSERT_EQUAL(in0->rst_flags, 0x14); /* RST+ACK */
    CU_ASSERT_EQUAL(in0->rst_seq, 0);
    CU_ASSERT_EQUAL(in0->rst_ack, probe_seq + 1);
    CU_ASSERT_EQUAL(in0->bad_csum, 0);
    /* back to the client from the EIP the SYN went to */
    CU_ASSERT_EQUAL(at_client->rst, 1);
    CU_ASSERT_EQUAL(at_client->bad_csum, 0);
    CU_ASSERT_EQUAL(nat_stats(sim->nats->pdata[0])->created, 2); /* upload, the SYN */
    CU_ASSERT_EQUAL(tcp_host_no_conn_segs(cli), 1);
    CU_ASSERT_EQUAL(tcp_host_rsts_sent(cli), 0);
    /* the connection that runs alongside is not touched */
    TcpConn *c = only_conn(sim);
    CU_ASSERT_EQUAL(c->st.delivered, 200000);
    CU_ASSERT_EQUAL(c->st.resets, 0);
    CU_ASSERT_EQUAL(c->st.stray_segs, 0);
    sim_free(sim);
}

/* Refusals at load: a destination nobody owns or maps, an outbound-only
 * masquerade address, and a client's own EIP; each names file:line and
 * [traffic upload] tcp. */
static void tcp_destination_refusals(void)
{
    static const struct {
        const char *dst, *want;
    } cases[] = {
        {"203.0.113.99", "'203.0.113.99' is no other host of the scenario, nor an EIP of a "
                         "[nat] box bound to one (TCP needs both ends)"},
        {"198.51.100.2", "'198.51.100.2' is a masquerade address of nat eipgw: outbound only"},
        {"server", "no other host"},
    };
    g_autofree char *dir = cu_scratch_dir("tcp-eip-refusals");
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *src = strcmp(cases[i].dst, "server") == 0 ? "server" : "client";
        const char *dst = strcmp(cases[i].dst, "server") == 0 ? "203.0.113.11" : cases[i].dst;
        g_autofree char *text =
            g_strdup_printf("%s[traffic upload]\ntcp = %s -> %s\n", eip_server_ini, src, dst);
        g_autofree char *path = g_strdup_printf("%s/refuse%zu.ini", dir, i);
        CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, text, -1, NULL));
        ScenarioOptions opts = {0};
        GError *err = NULL;
        Sim *sim = scenario_load(path, &opts, NULL, &err);
        CU_ASSERT_PTR_NULL(sim);
        sim_free(sim);
        CU_ASSERT_PTR_NOT_NULL_FATAL(err);
        /* the tcp key is the scenario's last line */
        int n_lines = 0;
        for (const char *p = text; *p; p++)
            n_lines += *p == '\n';
        g_autofree char *where = g_strdup_printf("%s:%d: [traffic upload] tcp: ", path, n_lines);
        bool ok = g_str_has_prefix(err->message, where) && strstr(err->message, cases[i].want);
        if (!ok)
            fprintf(stderr, "\n%s: %s\n", cases[i].dst, err->message);
        CU_ASSERT_TRUE(ok);
        g_clear_error(&err);
    }
}

static void active_backup_failover_survives(void)
{
    Sim *sim = run_text("tcp-ab-failover", ab_tcp_ini);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    TcpConn *c = only_conn(sim);
    CU_ASSERT_EQUAL(c->st.delivered, 400000);
    CU_ASSERT_TRUE(c->st.last_data_ps > UINT64_C(60000000000));
    char why[160];
    CU_ASSERT_TRUE(tcp_survived(sim, c, why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "delivered and acknowledged data sent after cut"));
    sim_free(sim);
}

/* b has two NICs on one subnet; a pings b's second address (eth1), the
 * reply leaves through eth0 (first connected route): from 10.0.0.3 still. */
static const char icmp_asym_ini[] = "[simulation]\n"
                                    "format = 1\n"
                                    "duration = 1s\n"
                                    "[switch sw]\n"
                                    "ports = 3\n"
                                    "[host a]\n"
                                    "nic.eth0 = speed=1G\n"
                                    "addr.eth0 = 10.0.0.1/24\n"
                                    "[host b]\n"
                                    "nic.eth0 = speed=1G\n"
                                    "nic.eth1 = speed=1G\n"
                                    "addr.eth0 = 10.0.0.2/24\n"
                                    "addr.eth1 = 10.0.0.3/24\n"
                                    "[links]\n"
                                    "a.eth0 = sw.port1\n"
                                    "b.eth0 = sw.port2\n"
                                    "b.eth1 = sw.port3\n"
                                    "[traffic p]\n"
                                    "ping = a -> 10.0.0.3 interval=100ms\n";

static bool contains(const char *data, gsize len, const uint8_t *needle, gsize n)
{
    for (gsize i = 0; i + n <= len; i++)
        if (memcmp(data + i, needle, n) == 0)
            return true;
    return false;
}

static void echo_reply_from_request_destination(void)
{
    g_autofree char *dir = cu_scratch_dir("icmp-asym");
    g_autofree char *path = g_strdup_printf("%s/icmp-asym.ini", dir);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, icmp_asym_ini, -1, NULL));
    const char *argv[] = {BONDSIM_BINARY, "run", path, "-q", "-o", dir, NULL};
    int status = -1;
    CU_ASSERT_TRUE(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                                NULL, NULL, &status, NULL));
    CU_ASSERT_EQUAL(status, 0);
    g_autofree char *pcap = g_strdup_printf("%s/icmp-asym.pcapng", dir);
    g_autofree gchar *data = NULL;
    gsize len = 0;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(pcap, &data, &len, NULL));
    /* IPv4 source, destination, then ICMP type 0 (echo reply) */
    static const uint8_t good[] = {10, 0, 0, 3, 10, 0, 0, 1, 0};
    static const uint8_t bad[] = {10, 0, 0, 2, 10, 0, 0, 1, 0};
    CU_ASSERT_TRUE(contains(data, len, good, sizeof good));
    CU_ASSERT_FALSE(contains(data, len, bad, sizeof bad));
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"bulk_through_snat_completes", bulk_through_snat_completes},
        {"egress_moved_keeps_source_and_survives", egress_moved_keeps_source_and_survives},
        {"egress_moved_source_check_drops", egress_moved_source_check_drops},
        {"tcp_to_eip_connects_and_transfers", tcp_to_eip_connects_and_transfers},
        {"eip_failover_source_check_stalls", eip_failover_source_check_stalls},
        {"eip_failover_without_source_check_survives", eip_failover_without_source_check_survives},
        {"eip_failover_on_the_wire", eip_failover_on_the_wire},
        {"rst_for_closed_port_from_segment_destination",
         rst_for_closed_port_from_segment_destination},
        {"tcp_destination_refusals", tcp_destination_refusals},
        {"active_backup_failover_survives", active_backup_failover_survives},
        {"echo_reply_from_request_destination", echo_reply_from_request_destination},
        CU_TEST_INFO_NULL,
    };
    return cu_run("tcp_nat", cases);
}
