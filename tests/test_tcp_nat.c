/* test_tcp_nat.c - TCP through a NAT box and whether a connection survives
 * the run's changes (issue 5).
 *
 * The server end of a connection is a listener bound to what the SYN shows,
 * so a bulk transfer through SNAT connects and completes; a default-route
 * fault that moves the client's egress to the NIC with the other EIP makes
 * the server see a new source address: the connection breaks (survived =
 * no), while an active-backup failover, which keeps every address, does not
 * (survived = yes).
 *
 * Also here: the ICMP echo reply's source is the request's destination
 * address (as Linux), not the outgoing interface's, which matters for
 * asymmetric routing and EIPs.
 */
#include "cu_run.h"
#include "nat.h"
#include "scenario/scenario.h"
#include "sim.h"
#include "traffic/tcp.h"

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

static Sim *run_text(const char *name, const char *text)
{
    g_autofree char *dir = cu_scratch_dir(name);
    g_autofree char *path = g_strdup_printf("%s/%s.ini", dir, name);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, text, -1, NULL));
    ScenarioOptions opts = {0};
    GError *error = NULL;
    Sim *sim = scenario_load(path, &opts, NULL, &error);
    if (!sim) {
        fprintf(stderr, "%s: %s\n", name, error ? error->message : "?");
        g_clear_error(&error);
        return NULL;
    }
    sim->cap = capture_new(CAPTURE_NONE, "unused", 0, NULL, NULL);
    sim_run(sim, false);
    return sim;
}

static TcpConn *only_conn(Sim *sim)
{
    g_autoptr(GPtrArray) conns = tcp_conns(sim);
    CU_ASSERT_EQUAL_FATAL(conns->len, 1);
    return conns->pdata[0];
}

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

static void egress_moved_to_other_eip_breaks_connection(void)
{
    g_autofree char *text = g_strconcat(
        defroute_tcp_ini, "[traffic bulk]\n", "tcp = client -> 203.0.113.100 window=64k\n",
        "[fault defroute]\n", "at = 1s\n", "default-route = client via 10.0.2.1\n", NULL);
    Sim *sim = run_text("tcp-nat-defroute", text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    TcpConn *c = only_conn(sim);
    CU_ASSERT_NOT_EQUAL(c->st.established_ps, 0);
    CU_ASSERT_TRUE(c->st.delivered > 0);
    CU_ASSERT_TRUE(c->st.fresh_sent_ps < UINT64_C(1000000000000));
    CU_ASSERT_TRUE(c->st.rto_events > 0);
    char why[160];
    CU_ASSERT_FALSE(tcp_survived(sim, c, why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "nothing sent after defroute"));
    /* the segments from the new EIP matched no connection at the server */
    Host *srv = c->srv.host;
    CU_ASSERT_TRUE(srv->drops[HOST_DROP_NO_LISTENER] > 0);
    sim_free(sim);
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
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "delivered data sent after cut"));
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
        {"egress_moved_to_other_eip_breaks_connection",
         egress_moved_to_other_eip_breaks_connection},
        {"active_backup_failover_survives", active_backup_failover_survives},
        {"echo_reply_from_request_destination", echo_reply_from_request_destination},
        CU_TEST_INFO_NULL,
    };
    return cu_run("tcp_nat", cases);
}
