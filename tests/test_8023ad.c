/* test_8023ad.c - the 802.3ad bond mode (sim/bond/mode_8023ad.c over
 * sim/lacp) against ../shared/reference/linux-bonding.md sections 1.2, 1.3,
 * 7.7-7.9 and 13.3.
 *
 * Topologies are built by hand as in test_xor_bcast.c. "Back to back": host
 * "server" (bond0, 10.0.0.1) cabled eth<i> <-> eth<i> to host "peer" (bond0,
 * 10.0.0.2), both 802.3ad: each is the other's LACP partner, no switch
 * needed. "No partner": the server's slaves cabled to a peer's plain NICs,
 * which ignore slow-protocol frames. The AD tick is 104 ms at HZ=250.
 */
#include "bond/bond.h"

#include "cu_run.h"
#include "testlib.h"

#include <string.h>

#include "host.h"
#include "lacp/lacp.h"
#include "sim.h"
#include "traffic/flow.h"
#include "util/units.h"

#define TICK_PS (104 * PS_PER_MS)

static const uint8_t server_ip[4] = {10, 0, 0, 1};
static const uint8_t peer_ip[4] = {10, 0, 0, 2};

typedef struct {
    Sim *sim;
    Bond *a, *b; /* b NULL: the peer has plain NICs */
    Host *peer;
} Pair;

/* bond0 on host `host` over eth0..eth<n-1> (MACs 02:00:00:<id>:00:<i+1>),
 * address ip/24. */
static Bond *add_bond(Sim *sim, const char *host, uint8_t id, const char *opts, int n,
                      const uint8_t ip[4])
{
    TlBond spec = {.opts = opts, .n_slaves = n, .host = host, .host_id = id, .ip = ip};
    return tl_add_bond(sim, &spec);
}

static gboolean pair_build(Pair *pr, uint64_t end_ps, const char *opts_a, const char *opts_b, int n)
{
    memset(pr, 0, sizeof(*pr));
    Sim *sim = pr->sim = tl_sim("test_8023ad", end_ps);
    pr->a = add_bond(sim, "server", 1, opts_a, n, server_ip);
    if (!pr->a)
        return FALSE;
    Nic *far[BOND_MAX_SLAVES];
    if (opts_b) {
        pr->b = add_bond(sim, "peer", 2, opts_b, n, peer_ip);
        if (!pr->b)
            return FALSE;
        pr->peer = pr->b->host;
        for (int i = 0; i < n; i++)
            far[i] = pr->b->slaves[i].nic;
    } else {
        pr->peer = tl_add_host(sim, "peer");
        for (int i = 0; i < n; i++) {
            char name[8];
            g_snprintf(name, sizeof name, "eth%d", i);
            far[i] = tl_add_nic(sim, pr->peer, name, 2, (uint8_t)(i + 1));
            Iface *ifc = host_add_iface_nic(pr->peer, far[i]);
            if (i == 0)
                host_set_address(ifc, peer_ip, 24);
        }
    }
    for (int i = 0; i < n; i++)
        tl_add_link(sim, pr->a->slaves[i].nic, far[i]);
    return TRUE;
}

static Flow *add_flow(Sim *sim, Host *src, const uint8_t dst[4], uint16_t sport, uint64_t start,
                      uint64_t stop)
{
    return tl_add_udp(sim, NULL, src, dst, UINT64_C(9760000), sport, start, stop);
}

/* ---- convergence (7.9) --------------------------------------------------------- */

/* C+D 22-25 ticks after link-up whatever lacp_rate, both ends 0x3f/0x3d. */
static void converge(const char *opts, uint8_t want_state)
{
    Pair pr;
    if (pair_build(&pr, tl_ms(5000), opts, opts, 2)) {
        sim_run(pr.sim, false);
        for (int side = 0; side < 2; side++) {
            Bond *b = side ? pr.b : pr.a;
            LacpSystem *l = bond_8023ad_lacp(b);
            for (int i = 0; i < 2; i++) {
                TL_U64_IN(bond_8023ad_cd_time_ps(b, &b->slaves[i]), 22 * TICK_PS, 25 * TICK_PS,
                          "link-up -> collecting+distributing");
                tl_checkf(lacp_port_actor_state(l, i) == want_state, __LINE__,
                          "actor %02x want %02x", lacp_port_actor_state(l, i), want_state);
            }
            tl_check(b->carrier && b->n_usable == 2, __LINE__, "carrier, two usable slaves");
            tl_check(lacp_port_aggregator(l, 0) == lacp_port_aggregator(l, 1), __LINE__,
                     "one aggregator");
        }
    }
    sim_free(pr.sim);
}

static void b2b_fast_converges_in_about_25_ticks(void)
{
    converge("mode=802.3ad miimon=100 lacp_rate=fast", 0x3f);
}

static void b2b_slow_converges_in_about_25_ticks(void)
{
    converge("mode=802.3ad miimon=100 lacp_rate=slow", 0x3d);
}

/* ---- traffic (1.3, 7.9) ----------------------------------------------------------- */

/* layer3+4 spreads flows over both distributing ports; nothing is lost once
 * converged; a cut link moves its flows at once and returns ~25 ticks after
 * its link comes back. */
static void b2b_traffic_spreads_and_survives_cut(void)
{
    Pair pr;
    const char *o = "mode=802.3ad miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4";
    if (pair_build(&pr, tl_ms(9000), o, o, 2)) {
        Flow *fl[8];
        for (int k = 0; k < 8; k++)
            fl[k] = add_flow(pr.sim, pr.a->host, peer_ip, (uint16_t)(40000 + k), tl_ms(3000),
                             tl_ms(8500));
        tl_add_fault(pr.sim, tl_ms(4000), SIM_FAULT_LINK_DOWN, pr.a->slaves[1].nic);
        tl_add_fault(pr.sim, tl_ms(5000), SIM_FAULT_LINK_UP, pr.a->slaves[1].nic);
        sim_run(pr.sim, false);
        uint64_t sent = 0, got = 0;
        for (int k = 0; k < 8; k++) {
            sent += fl[k]->sent;
            got += fl[k]->received;
        }
        /* only frames on the wire of the cut link (1 us) may be lost */
        tl_checkf(sent - got <= 8, __LINE__, "lost %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT,
                  sent - got, sent);
        tl_check(pr.a->slaves[0].tx_frames > 0 && pr.a->slaves[1].tx_frames > 0, __LINE__,
                 "both slaves carry flows");
        TL_U64_IN(bond_8023ad_cd_time_ps(pr.a, &pr.a->slaves[1]), 22 * TICK_PS, 26 * TICK_PS,
                  "returning port: link-up -> C+D");
        tl_check(pr.a->n_usable == 2, __LINE__, "both usable at the end");
    }
    sim_free(pr.sim);
}

/* ad_actor_system, ad_actor_sys_prio and ad_user_port_key go on the wire:
 * the peer records them as its partner (7.1, 7.3); LACPDUs leave from the
 * slaves' permanent MACs (1.5). */
static void actor_identity_on_the_wire(void)
{
    Pair pr;
    if (pair_build(&pr, tl_ms(3000),
                   "mode=802.3ad miimon=100 lacp_rate=fast ad_actor_system=02:aa:bb:cc:dd:ee "
                   "ad_actor_sys_prio=100 ad_user_port_key=5",
                   "mode=802.3ad miimon=100 lacp_rate=fast", 2)) {
        sim_run(pr.sim, false);
        const LacpInfo *p = lacp_port_partner(bond_8023ad_lacp(pr.b), 1);
        const uint8_t sys[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
        tl_check(memcmp(p->system, sys, 6) == 0, __LINE__, "partner system = ad_actor_system");
        tl_check(p->sys_prio == 100, __LINE__, "partner system priority");
        tl_checkf(p->key == ((5 << 6) | 9), __LINE__, "partner key %u", p->key);
        tl_check(p->port == 2 && p->port_prio == 255, __LINE__, "port 2, priority 255");
        /* the keys differ (5 << 6 | 9 against 9): each side aggregates by
         * its own key and its partner's, so both still aggregate */
        tl_check(pr.a->carrier && pr.b->carrier, __LINE__, "both have carrier");
    }
    sim_free(pr.sim);
}

/* A 4-port LAG: all four aggregate and 16 layer3+4 flows use every port. */
static void b2b_four_port_lag_spreads(void)
{
    Pair pr;
    const char *o = "mode=802.3ad miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4";
    if (pair_build(&pr, tl_ms(4000), o, o, 4)) {
        Flow *fl[16];
        for (int k = 0; k < 16; k++)
            fl[k] = add_flow(pr.sim, pr.a->host, peer_ip, (uint16_t)(40000 + k), tl_ms(3000),
                             tl_ms(3900));
        sim_run(pr.sim, false);
        LacpSystem *l = bond_8023ad_lacp(pr.a);
        tl_check(pr.a->n_usable == 4, __LINE__, "four distributing ports");
        for (int i = 0; i < 4; i++) {
            tl_check(lacp_port_aggregator(l, i) == lacp_port_aggregator(l, 0), __LINE__,
                     "one aggregator");
            tl_checkf(pr.a->slaves[i].tx_frames > 0, __LINE__, "eth%d carries flows", i);
        }
        for (int k = 0; k < 16; k++)
            tl_check(fl[k]->received == fl[k]->sent && fl[k]->out_of_order == 0, __LINE__,
                     "flow intact");
    }
    sim_free(pr.sim);
}

/* ---- no partner (13.3, 7.7) ---------------------------------------------------------- */

static void no_partner_first_port_carries(void)
{
    Pair pr;
    if (pair_build(&pr, tl_ms(40000), "mode=802.3ad miimon=100 lacp_rate=fast", NULL, 2)) {
        Flow *fl = add_flow(pr.sim, pr.a->host, peer_ip, 40000, tl_ms(1), tl_ms(39000));
        sim_run(pr.sim, false);
        LacpSystem *l = bond_8023ad_lacp(pr.a);
        tl_check(pr.a->carrier, __LINE__, "carrier kept");
        tl_check(pr.a->n_usable == 1 && pr.a->usable[0] == &pr.a->slaves[0], __LINE__,
                 "eth0 alone carries traffic");
        tl_checkf(lacp_port_actor_state(l, 0) == 0x4f, __LINE__, "eth0 actor %02x want 4f",
                  lacp_port_actor_state(l, 0));
        tl_checkf(lacp_port_actor_state(l, 1) == 0x47, __LINE__, "eth1 actor %02x want 47",
                  lacp_port_actor_state(l, 1));
        tl_check(fl->received == fl->sent, __LINE__, "no loss: traffic from the start");
        tl_check(pr.a->slaves[1].tx_frames == 0, __LINE__, "eth1 idle");
        /* 30 ticks of fast LACPDUs after link-up, then one per 300 ticks */
        const LacpPortStats *st = lacp_port_stats(l, 0);
        TL_U64_IN(st->lacpdu_tx, 4, 7, "LACPDUs in 40 s");
    }
    sim_free(pr.sim);
}

/* lacp_strict (reference 12, selftest bond_lacp_strict.sh): off keeps the
 * defaulted fallback (carrier, one port carries); on: no partner, no
 * carrier and no traffic; with a partner both behave alike. */
static void lacp_strict_without_partner_has_no_carrier(void)
{
    Pair pr;
    if (pair_build(&pr, tl_ms(3000), "mode=802.3ad miimon=100 lacp_rate=fast lacp_strict=on", NULL,
                   2)) {
        Flow *fl = add_flow(pr.sim, pr.a->host, peer_ip, 40000, tl_ms(1), tl_ms(2500));
        sim_run(pr.sim, false);
        tl_check(!pr.a->carrier, __LINE__, "lacp_strict=on, no partner: no carrier");
        tl_check(pr.a->n_usable == 0, __LINE__, "no usable port");
        tl_check(fl->received == 0, __LINE__, "nothing delivered");
        tl_check(pr.a->slaves[0].tx_frames == 0 && pr.a->slaves[1].tx_frames == 0, __LINE__,
                 "no slave transmits data");
    }
    sim_free(pr.sim);
    const char *o = "mode=802.3ad miimon=100 lacp_rate=fast lacp_strict=on";
    if (pair_build(&pr, tl_ms(3000), o, o, 2)) {
        Flow *fl = add_flow(pr.sim, pr.a->host, peer_ip, 40000, tl_ms(1), tl_ms(2500));
        sim_run(pr.sim, false);
        tl_check(pr.a->carrier, __LINE__, "lacp_strict=on with a partner: carrier");
        tl_check(pr.a->n_usable == 2, __LINE__, "both ports distribute");
        tl_check(fl->received > 0, __LINE__, "traffic once converged");
    }
    sim_free(pr.sim);
}

/* ---- min_links (1.2, 7.9) -------------------------------------------------------------- */

static void min_links_drops_carrier(void)
{
    Pair pr;
    const char *o = "mode=802.3ad miimon=100 lacp_rate=fast min_links=2";
    if (pair_build(&pr, tl_ms(4500), o, o, 2)) {
        tl_add_fault(pr.sim, tl_ms(4000), SIM_FAULT_LINK_DOWN, pr.a->slaves[1].nic);
        sim_run(pr.sim, false);
        uint64_t up_at = 0, down_at = 0;
        for (guint i = 0; i < pr.sim->events->len; i++) {
            const SimEvent *e = &g_array_index(pr.sim->events, SimEvent, i);
            if (e->kind != SIM_EV_BOND_CARRIER || strcmp(e->subject, "server/bond0") != 0)
                continue;
            if (strcmp(e->reason, "up") == 0)
                up_at = e->time_ps;
            else
                down_at = e->time_ps;
        }
        /* carrier once both ports share the partnered aggregator */
        TL_U64_IN(up_at, 2 * TICK_PS, 25 * TICK_PS, "carrier up");
        /* the cut is committed at the next MII tick */
        TL_U64_IN(down_at, tl_ms(4000), tl_ms(4000) + TICK_PS, "carrier down after the cut");
        tl_check(!pr.a->carrier, __LINE__, "one port left, min_links=2: no carrier");
    }
    sim_free(pr.sim);
    /* no partner: one port per aggregator, so min_links 2 never gives carrier */
    if (pair_build(&pr, tl_ms(3000), "mode=802.3ad miimon=100 min_links=2", NULL, 2)) {
        sim_run(pr.sim, false);
        tl_check(!pr.a->carrier, __LINE__, "partner-less: never carrier with min_links=2");
    }
    sim_free(pr.sim);
}

/* ---- end to end: tshark reads every LACPDU (7.1, 7.2) ----------------------------- */

/* Runs the back-to-back scenario with the CLI and asks tshark for every
 * LACPDU's states: each is decoded (no expert warning), the server's eth0
 * shows the progression C7 -> 07 -> 0F -> 3F, and after the cut eth1 comes
 * back through 47/00 to 3F. Skipped when tshark is not installed. */
static int count_str(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void tshark_reads_every_lacpdu(void)
{
    g_autofree char *tshark_path = g_find_program_in_path("tshark");
    if (!tshark_path) {
        g_printerr("tshark_reads_every_lacpdu: skipped, tshark is not in PATH\n");
        return;
    }
    g_autofree char *dir = cu_scratch_dir("test_8023ad_tshark");
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status = 0;
    const char *run[] = {
        BONDSIM_BINARY, "run", BONDSIM_SOURCE_DIR "/scenarios/8023ad-back-to-back.ini",
        "-o",           dir,   NULL};
    tl_check(g_spawn_sync(NULL, (char **)run, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                          &err, &status, NULL) &&
                 status == 0,
             __LINE__, "bondsim run");
    g_autofree char *pcap = g_build_filename(dir, "8023ad-back-to-back.pcapng", NULL);
    g_clear_pointer(&err, g_free);
    const char *fields[] = {"tshark",
                            "-r",
                            pcap,
                            "-Y",
                            "lacp",
                            "-T",
                            "fields",
                            "-e",
                            "frame.interface_name",
                            "-e",
                            "lacp.actor.state",
                            "-e",
                            "lacp.partner.state",
                            "-e",
                            "_ws.expert",
                            "-e",
                            "eth.src",
                            NULL};
    tl_check(g_spawn_sync(NULL, (char **)fields, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                          &status, NULL) &&
                 status == 0,
             __LINE__, "tshark fields");
    g_auto(GStrv) lines = g_strsplit(out ? out : "", "\n", -1);
    g_autoptr(GString) eth0 = g_string_new(NULL);
    g_autoptr(GString) eth1 = g_string_new(NULL);
    int n = 0;
    for (char **l = lines; *l && **l; l++) {
        g_auto(GStrv) f = g_strsplit(*l, "\t", -1);
        if (g_strv_length(f) < 3)
            continue;
        n++;
        /* capture comments are expert items of group Comment: nothing else */
        const char *ex = g_strv_length(f) > 3 ? f[3] : "";
        tl_checkf(count_str(ex, "Expert Info (") == count_str(ex, "Expert Info (Comment/Comment)"),
                  __LINE__, "expert info on %s", *l);
        /* what the server sends: its own slaves' MACs, 02:00:00:01:00:0x */
        bool ours = g_strv_length(f) > 4 && g_str_has_prefix(f[4], "02:00:00:01:");
        GString *seq = !ours                              ? NULL
                       : strcmp(f[0], "server/eth0") == 0 ? eth0
                       : strcmp(f[0], "server/eth1") == 0 ? eth1
                                                          : NULL;
        if (seq && (seq->len < 3 || strcmp(seq->str + seq->len - 2, f[1] + 2) != 0))
            g_string_append_printf(seq, " %s", f[1] + 2);
    }
    tl_checkf(n >= 40, __LINE__, "LACPDUs decoded: %d", n);
    tl_checkf(strcmp(eth0->str, " c7 07 0f 3f") == 0, __LINE__, "server eth0 states:%s", eth0->str);
    /* a 0x47 (Defaulted, partner 00) may leave before EXPIRED (7.2) */
    tl_checkf(strcmp(eth1->str, " c7 07 0f 3f c7 07 0f 3f") == 0 ||
                  strcmp(eth1->str, " c7 07 0f 3f 47 c7 07 0f 3f") == 0,
              __LINE__, "server eth1 states:%s", eth1->str);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"b2b_fast_converges_in_about_25_ticks", b2b_fast_converges_in_about_25_ticks},
        {"b2b_slow_converges_in_about_25_ticks", b2b_slow_converges_in_about_25_ticks},
        {"b2b_traffic_spreads_and_survives_cut", b2b_traffic_spreads_and_survives_cut},
        {"b2b_four_port_lag_spreads", b2b_four_port_lag_spreads},
        {"actor_identity_on_the_wire", actor_identity_on_the_wire},
        {"no_partner_first_port_carries", no_partner_first_port_carries},
        {"lacp_strict_without_partner_has_no_carrier", lacp_strict_without_partner_has_no_carrier},
        {"min_links_drops_carrier", min_links_drops_carrier},
        {"tshark_reads_every_lacpdu", tshark_reads_every_lacpdu},
        CU_TEST_INFO_NULL,
    };
    return cu_run("8023ad", cases);
}
