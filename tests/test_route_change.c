/* test_route_change.c - routes changed during a run (the DEFROUTE
 * experiment): host_del_routes and route faults, flows re-resolving their
 * path, and the echo service seeing the egress address move.
 *
 * The end-to-end cases build the field note's first setup: a server with two
 * NICs in two subnets, each private address bound to its own EIP at a NAT
 * box, an IP-echo service behind it, and the default route moved from eth0
 * to eth1 at 2 s.
 */
#include "host.h"

#include "cu_run.h"
#include "nat.h"
#include "scenario/scenario.h"
#include "sim.h"
#include "testlib.h"
#include "traffic/echo.h"
#include "traffic/flow.h"

#include <string.h>

#define S_PS UINT64_C(1000000000000)

static const char defroute_ini[] =
    "[simulation]\n"
    "format = 1\n"
    "duration = 4s\n"
    "[switch vsw]\n"
    "ports = 4\n"
    "[host server]\n"
    "nic.eth0 = speed=1G\n"
    "nic.eth1 = speed=1G\n"
    "addr.eth0 = 10.0.1.10/24\n"
    "addr.eth1 = 10.0.2.10/24\n"
    "route.default = via 10.0.1.1 metric 100, via 10.0.2.1 metric 200\n"
    "[nat cloudnat]\n"
    "nic.in0 = speed=10G\n"
    "nic.in1 = speed=10G\n"
    "nic.out0 = speed=10G\n"
    "addr.in0 = 10.0.1.1/24\n"
    "addr.in1 = 10.0.2.1/24\n"
    "addr.out0 = 203.0.113.1/24\n"
    "inside = in0 in1\n"
    "outside = out0\n"
    "eip = 10.0.1.10 -> 203.0.113.10, 10.0.2.10 -> 203.0.113.11\n"
    "[host echo]\n"
    "nic.eth0 = speed=10G\n"
    "addr.eth0 = 203.0.113.100/24\n"
    "service = echo-ip udp/7777\n"
    "[links]\n"
    "server.eth0 = vsw.port1\n"
    "server.eth1 = vsw.port2\n"
    "cloudnat.in0 = vsw.port3\n"
    "cloudnat.in1 = vsw.port4\n"
    "cloudnat.out0 = echo.eth0\n"
    "[traffic curl]\n"
    "udp = server -> 203.0.113.100 rate=1Mbit size=100 dport=7777\n"
    "[fault defroute]\n"
    "at = 2s\n"
    "default-route = server via 10.0.2.1\n";

static char *write_scenario(const char *name, const char *text)
{
    g_autofree char *file = g_strdup_printf("%s.ini", name);
    char *path = tl_scratch_file(name, file);
    CU_ASSERT_TRUE(g_file_set_contents(path, text, -1, NULL));
    return path;
}

/* Loads `text` with the overrides (NULL-terminated) and runs it without
 * captures; NULL with *error set when it does not load. */
static Sim *run_text(const char *name, const char *text, const char *const *sets, GError **error)
{
    g_autofree char *path = write_scenario(name, text);
    return tl_scenario_run(path, NULL, sets, error);
}

/* ---- host level ---------------------------------------------------------- */

static void route_del_moves_default_by_metric(void)
{
    static const uint8_t m0[6] = {2, 0, 0, 1, 0, 1}, m1[6] = {2, 0, 0, 1, 0, 2};
    static const uint8_t a0[4] = {10, 0, 1, 10}, a1[4] = {10, 0, 2, 10};
    static const uint8_t gw0[4] = {10, 0, 1, 1}, gw1[4] = {10, 0, 2, 1};
    static const uint8_t any[4] = {0}, far[4] = {198, 51, 100, 7};
    Sim *sim = tl_sim("routes", 0);
    Host *h = tl_add_host(sim, "server");
    Iface *e0 = host_add_iface_nic(h, tl_add_nic_mac(sim, h, "eth0", m0));
    Iface *e1 = host_add_iface_nic(h, tl_add_nic_mac(sim, h, "eth1", m1));
    host_set_address(e0, a0, 24);
    host_set_address(e1, a1, 24);
    CU_ASSERT_TRUE(host_add_route(h, any, 0, gw1, e1, 200));
    CU_ASSERT_TRUE(host_add_route(h, any, 0, gw0, e0, 100));
    CU_ASSERT_PTR_EQUAL(host_route_iface(h, far), e0); /* lower metric wins */
    uint32_t gen = h->route_gen;
    CU_ASSERT_EQUAL(host_del_routes(h, any, 0, gw1), 1);
    CU_ASSERT_PTR_EQUAL(host_route_iface(h, far), e0);
    CU_ASSERT_EQUAL(host_del_routes(h, any, 0, gw0), 1);
    CU_ASSERT_PTR_NULL(host_route_iface(h, far));
    CU_ASSERT_PTR_EQUAL(host_route_iface(h, a1), e1); /* connected routes stay */
    CU_ASSERT_NOT_EQUAL(h->route_gen, gen);
    gen = h->route_gen;
    CU_ASSERT_EQUAL(host_del_routes(h, any, 0, NULL), 0); /* nothing left: no new generation */
    CU_ASSERT_EQUAL(h->route_gen, gen);
    sim_free(sim);
}

/* ---- end to end ---------------------------------------------------------- */

static void default_route_fault_moves_egress_ip(void)
{
    GError *error = NULL;
    Sim *sim = run_text("defroute", defroute_ini, NULL, &error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    const Flow *f = sim->flows->pdata[0];
    CU_ASSERT_TRUE(f->sent > 3000);
    CU_ASSERT_EQUAL(f->received, f->sent); /* the route change loses nothing */
    CU_ASSERT_EQUAL(f->echo_replies, f->sent);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->egress_changes);
    CU_ASSERT_EQUAL(f->egress_changes->len, 1);
    const EchoChange *c = &g_array_index(f->egress_changes, EchoChange, 0);
    static const uint8_t eip1[4] = {203, 0, 113, 10}, eip2[4] = {203, 0, 113, 11};
    CU_ASSERT_EQUAL(memcmp(c->old_ip, eip1, 4), 0);
    CU_ASSERT_EQUAL(memcmp(c->new_ip, eip2, 4), 0);
    CU_ASSERT_TRUE(c->time_ps > 2 * S_PS && c->time_ps < 2 * S_PS + S_PS / 100);
    CU_ASSERT_EQUAL(memcmp(f->egress_ip, eip2, 4), 0);
    CU_ASSERT_EQUAL(f->egress_port, 40000);
    const NatStats *st = nat_stats(sim->nats->pdata[0]);
    CU_ASSERT_EQUAL(st->created, 2);
    for (int r = 0; r < NAT_DROP_COUNT; r++)
        CU_ASSERT_EQUAL(st->drops[r], 0);
    CU_ASSERT_EQUAL(tl_host_named(sim, "echo")->echo_replies, f->sent);
    /* the server's route table: one default, through eth1 */
    Host *srv = tl_host_named(sim, "server");
    static const uint8_t echo_ip[4] = {203, 0, 113, 100};
    CU_ASSERT_STRING_EQUAL(host_route_iface(srv, echo_ip)->name, "eth1");
    sim_free(sim);
}

/* Without an EIP for eth1's address the NAT has nothing to translate to:
 * the flow dies at the route change, counted "no-eip". */
static void route_to_uplink_without_eip_drops_no_eip(void)
{
    static const char *const sets[] = {"nat.cloudnat.eip=10.0.1.10 -> 203.0.113.10", NULL};
    GError *error = NULL;
    Sim *sim = run_text("defroute-noeip", defroute_ini, sets, &error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    const Flow *f = sim->flows->pdata[0];
    const NatStats *st = nat_stats(sim->nats->pdata[0]);
    CU_ASSERT_TRUE(st->drops[NAT_DROP_NO_EIP] > 1000);
    CU_ASSERT_EQUAL(f->received + st->drops[NAT_DROP_NO_EIP], f->sent);
    CU_ASSERT_TRUE(f->egress_changes == NULL); /* the address never changed: traffic stopped */
    sim_free(sim);
}

static void route_fault_errors_name_the_key(void)
{
    static const struct {
        const char *set;
        const char *msg;
    } bad[] = {
        {"fault.defroute.default-route=nohost via 10.0.2.1", "no host 'nohost'"},
        {"fault.defroute.default-route=server via 192.0.2.1", "gateway is in no subnet"},
        {"fault.defroute.default-route=server", "route needs 'via ADDR'"},
        {"nat.cloudnat.eip=10.0.1.10 203.0.113.10", "expected PRIVATE -> PUBLIC"},
        {"nat.cloudnat.capacity=0", "capacity"},
        {"nat.cloudnat.timeout.tcp_forever=1s", "unknown timeout"},
        {"host.echo.service=echo-ip tcp/80", "accepted: echo-ip udp/PORT"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        const char *sets[] = {bad[i].set, NULL};
        GError *error = NULL;
        Sim *sim = run_text("defroute-bad", defroute_ini, sets, &error);
        CU_ASSERT_PTR_NULL(sim);
        CU_ASSERT_PTR_NOT_NULL_FATAL(error);
        if (!strstr(error->message, bad[i].msg))
            fprintf(stderr, "\n  %s: got '%s'\n", bad[i].set, error->message);
        CU_ASSERT_PTR_NOT_NULL(strstr(error->message, bad[i].msg));
        g_clear_error(&error);
        sim_free(sim);
    }
}

/* Route-add faults count against the host's HOST_MAX_ROUTES with its own
 * routes: those of other hosts and route-del faults do not. With 30 routes
 * on a (its connected 10.0.0.0/24 and 29 route keys), two route-add faults
 * fit (32) and the third is refused, naming its key; three on b and three
 * route-del on a change nothing. */
static char *route_limit_ini(int adds_on_a)
{
    GString *s = g_string_new("[simulation]\nformat = 1\nduration = 4s\n"
                              "[host a]\nnic.eth0 = speed=1G\naddr.eth0 = 10.0.0.1/24\n");
    for (int i = 0; i < 29; i++)
        g_string_append_printf(s, "route.10.%d.0.0/16 = via 10.0.0.254\n", 100 + i);
    g_string_append(s, "[host b]\nnic.eth0 = speed=1G\naddr.eth0 = 10.0.1.1/24\n");
    for (int i = 0; i < 3; i++) {
        g_string_append_printf(s, "[fault bdel%d]\nat = 1s\nroute-del = a 10.%d.0.0/16\n", i,
                               100 + i);
        g_string_append_printf(s,
                               "[fault badd%d]\nat = 1s\nroute-add = b 10.%d.0.0/16 via "
                               "10.0.1.254\n",
                               i, 200 + i);
    }
    for (int i = 0; i < adds_on_a; i++)
        g_string_append_printf(s,
                               "[fault add%d]\nat = 2s\nroute-add = a 10.%d.0.0/16 via "
                               "10.0.0.254\n",
                               i, 200 + i);
    return g_string_free(s, FALSE);
}

static void route_faults_count_against_host_routes(void)
{
    static const ScenarioOptions opts = {0};
    g_autofree char *fits = route_limit_ini(2);
    g_autofree char *path = write_scenario("route-limit", fits);
    GError *error = NULL;
    Sim *sim = scenario_load(path, &opts, NULL, &error);
    CU_ASSERT_PTR_NOT_NULL(sim);
    if (error != NULL)
        fprintf(stderr, "\n  got '%s'\n", error->message);
    g_clear_error(&error);
    sim_free(sim);

    g_autofree char *over = route_limit_ini(3);
    g_autofree char *path2 = write_scenario("route-limit-over", over);
    sim = scenario_load(path2, &opts, NULL, &error);
    CU_ASSERT_PTR_NULL(sim);
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(error->message, "[fault add2] route-add: more than 32 routes on a"));
    g_clear_error(&error);
    sim_free(sim);
}

/* The capture carries the echo service's comment on the first reply that
 * shows the new address (the CLI writes the pcapng). */
static void capture_comments_egress_change(void)
{
    g_autofree char *path = write_scenario("defroute-cap", defroute_ini);
    g_autofree char *dir = cu_scratch_dir("defroute-cap-out");
    TlRun run = tl_bondsim("run", path, "-q", "-o", dir, NULL);
    CU_ASSERT_TRUE(run.code != -1); /* started, and exited */
    CU_ASSERT_EQUAL(run.code, 0);
    tl_run_clear(&run);
    g_autofree char *pcap = g_strdup_printf("%s/defroute-cap.pcapng", dir);
    gchar *data = NULL;
    gsize len = 0;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(pcap, &data, &len, NULL));
    static const char want[] = "bondsim: egress-ip flow=curl 203.0.113.10->203.0.113.11";
    CU_ASSERT_TRUE(tl_contains(data, len, want));
    g_free(data);
    g_autofree char *json_path = g_strdup_printf("%s/stats.json", dir);
    gchar *json = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(json_path, &json, NULL, NULL));
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"changes\":1,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"from\":\"203.0.113.10\",\"to\":\"203.0.113.11\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"nat\":[{\"name\":\"cloudnat\""));
    g_free(json);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"route_del_moves_default_by_metric", route_del_moves_default_by_metric},
        {"default_route_fault_moves_egress_ip", default_route_fault_moves_egress_ip},
        {"route_to_uplink_without_eip_drops_no_eip", route_to_uplink_without_eip_drops_no_eip},
        {"route_fault_errors_name_the_key", route_fault_errors_name_the_key},
        {"route_faults_count_against_host_routes", route_faults_count_against_host_routes},
        {"capture_comments_egress_change", capture_comments_egress_change},
        CU_TEST_INFO_NULL,
    };
    return cu_run("route_change", cases);
}
