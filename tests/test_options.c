/* test_options.c - bonding options: defaults of reference section 11, the
 * spellings accepted (kernel, ip link, netplan, systemd-networkd, ifupdown),
 * every error class with its message, the kernel's cross-option rules, the
 * modelled-or-refused check and the canonical string with its round trip.
 */
#include "bond/options.h"

#include "cu_run.h"

#include <string.h>

/* ---- helpers ---------------------------------------------------------- */

/* Parses `text` over defaults; fails the test (and shows why) on error. */
static BondParams parse_ok(const char *text, GPtrArray *warnings)
{
    BondParams p;
    GError *error = NULL;
    bond_params_defaults(&p);
    gboolean ok = bond_params_parse(&p, text, warnings, &error);
    if (!ok)
        fprintf(stderr, "\n  parse '%s': %s\n", text, error->message);
    CU_ASSERT_TRUE(ok);
    g_clear_error(&error);
    return p;
}

/* Parses `text` over defaults, expecting error `code` with `message`. */
static void expect_error(const char *text, int code, const char *message)
{
    BondParams p;
    GError *error = NULL;
    bond_params_defaults(&p);
    CU_ASSERT_FALSE(bond_params_parse(&p, text, NULL, &error));
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    if (error->code != code || (message && strcmp(error->message, message) != 0))
        fprintf(stderr, "\n  '%s': got %d '%s'\n", text, error->code, error->message);
    CU_ASSERT_EQUAL(error->domain, BOND_OPTIONS_ERROR);
    CU_ASSERT_EQUAL(error->code, code);
    if (message)
        CU_ASSERT_STRING_EQUAL(error->message, message);
    g_error_free(error);
}

static void expect_string(const BondParams *p, const char *expected)
{
    g_autofree char *s = bond_params_to_string(p);
    if (strcmp(s, expected) != 0)
        fprintf(stderr, "\n  got '%s'\n  want '%s'\n", s, expected);
    CU_ASSERT_STRING_EQUAL(s, expected);
}

/* Every field but set_mask. */
static gboolean params_equal(const BondParams *a, const BondParams *b)
{
    return a->mode == b->mode && a->miimon_ms == b->miimon_ms && a->updelay_ms == b->updelay_ms &&
           a->downdelay_ms == b->downdelay_ms && a->peer_notif_delay_ms == b->peer_notif_delay_ms &&
           a->use_carrier == b->use_carrier && a->arp_interval_ms == b->arp_interval_ms &&
           a->n_arp_targets == b->n_arp_targets &&
           memcmp(a->arp_targets, b->arp_targets, sizeof a->arp_targets) == 0 &&
           a->n_ns_targets == b->n_ns_targets &&
           memcmp(a->ns_targets, b->ns_targets, sizeof a->ns_targets) == 0 &&
           a->arp_validate == b->arp_validate && a->arp_all_targets == b->arp_all_targets &&
           a->arp_missed_max == b->arp_missed_max && strcmp(a->primary, b->primary) == 0 &&
           a->primary_reselect == b->primary_reselect &&
           strcmp(a->active_slave, b->active_slave) == 0 && a->fail_over_mac == b->fail_over_mac &&
           a->num_peer_notif == b->num_peer_notif && a->all_slaves_active == b->all_slaves_active &&
           a->resend_igmp == b->resend_igmp && a->packets_per_slave == b->packets_per_slave &&
           a->xmit_hash_policy == b->xmit_hash_policy && a->lacp_rate == b->lacp_rate &&
           a->lacp_active == b->lacp_active && a->ad_select == b->ad_select &&
           a->ad_actor_sys_prio == b->ad_actor_sys_prio &&
           memcmp(a->ad_actor_system, b->ad_actor_system, 6) == 0 &&
           a->ad_user_port_key == b->ad_user_port_key && a->min_links == b->min_links &&
           a->coupled_control == b->coupled_control && a->tlb_dynamic_lb == b->tlb_dynamic_lb &&
           a->lp_interval_s == b->lp_interval_s && a->broadcast_neighbor == b->broadcast_neighbor;
}

static GPtrArray *warnings_new(void)
{
    return g_ptr_array_new_with_free_func(g_free);
}

static void expect_one_warning(GPtrArray *w, const char *expected)
{
    CU_ASSERT_EQUAL(w->len, 1);
    if (w->len == 1) {
        if (strcmp(g_ptr_array_index(w, 0), expected) != 0)
            fprintf(stderr, "\n  warning '%s'\n", (char *)g_ptr_array_index(w, 0));
        CU_ASSERT_STRING_EQUAL(g_ptr_array_index(w, 0), expected);
    }
}

/* ---- defaults and spellings ------------------------------------------- */

static void defaults_match_reference_table(void)
{
    BondParams p;
    memset(&p, 0xab, sizeof p);
    bond_params_defaults(&p);
    CU_ASSERT_EQUAL(p.mode, BOND_MODE_RR);
    CU_ASSERT_EQUAL(p.miimon_ms, 0);
    CU_ASSERT_EQUAL(p.updelay_ms, 0);
    CU_ASSERT_EQUAL(p.downdelay_ms, 0);
    CU_ASSERT_EQUAL(p.peer_notif_delay_ms, 0);
    CU_ASSERT_EQUAL(p.use_carrier, 1);
    CU_ASSERT_EQUAL(p.arp_interval_ms, 0);
    CU_ASSERT_EQUAL(p.n_arp_targets, 0);
    CU_ASSERT_EQUAL(p.n_ns_targets, 0);
    CU_ASSERT_EQUAL(p.arp_validate, 0);
    CU_ASSERT_EQUAL(p.arp_all_targets, 0);
    CU_ASSERT_EQUAL(p.arp_missed_max, 2);
    CU_ASSERT_STRING_EQUAL(p.primary, "");
    CU_ASSERT_EQUAL(p.primary_reselect, BOND_RESELECT_ALWAYS);
    CU_ASSERT_STRING_EQUAL(p.active_slave, "");
    CU_ASSERT_EQUAL(p.fail_over_mac, BOND_FOM_NONE);
    CU_ASSERT_EQUAL(p.num_peer_notif, 1);
    CU_ASSERT_EQUAL(p.all_slaves_active, 0);
    CU_ASSERT_EQUAL(p.resend_igmp, 1);
    CU_ASSERT_EQUAL(p.packets_per_slave, 1);
    CU_ASSERT_EQUAL(p.xmit_hash_policy, BOND_HASH_LAYER2);
    CU_ASSERT_EQUAL(p.lacp_rate, 0);
    CU_ASSERT_EQUAL(p.lacp_active, 1);
    CU_ASSERT_EQUAL(p.ad_select, 0);
    CU_ASSERT_EQUAL(p.ad_actor_sys_prio, 65535);
    static const uint8_t zero_mac[6];
    CU_ASSERT_EQUAL(memcmp(p.ad_actor_system, zero_mac, 6), 0);
    CU_ASSERT_EQUAL(p.ad_user_port_key, 0);
    CU_ASSERT_EQUAL(p.min_links, 0);
    CU_ASSERT_EQUAL(p.coupled_control, 1);
    CU_ASSERT_EQUAL(p.tlb_dynamic_lb, 1);
    CU_ASSERT_EQUAL(p.lp_interval_s, 1);
    CU_ASSERT_EQUAL(p.broadcast_neighbor, 0);
    CU_ASSERT_EQUAL(p.set_mask, 0);
    expect_string(&p, "mode=balance-rr");
}

static void mode_by_name_and_number(void)
{
    static const char *const names[] = {"balance-rr", "active-backup", "balance-xor", "broadcast",
                                        "802.3ad",    "balance-tlb",   "balance-alb"};
    for (int m = 0; m < BOND_MODE_COUNT; m++) {
        g_autofree char *by_name = g_strdup_printf("mode=%s", names[m]);
        g_autofree char *by_number = g_strdup_printf("mode=%d", m);
        BondParams a = parse_ok(by_name, NULL), b = parse_ok(by_number, NULL);
        CU_ASSERT_EQUAL(a.mode, (BondMode)m);
        CU_ASSERT_TRUE(params_equal(&a, &b));
        CU_ASSERT_STRING_EQUAL(bond_mode_name((BondMode)m), names[m]);
        BondMode mode = BOND_MODE_COUNT;
        CU_ASSERT_TRUE(bond_mode_from_string(names[m], &mode));
        CU_ASSERT_EQUAL(mode, (BondMode)m);
        CU_ASSERT_TRUE(bond_mode_from_string(by_number + 5, &mode));
        CU_ASSERT_EQUAL(mode, (BondMode)m);
    }
    BondMode mode;
    CU_ASSERT_FALSE(bond_mode_from_string("7", &mode));
    CU_ASSERT_FALSE(bond_mode_from_string("Active-Backup", &mode));
    expect_error("mode=7", BOND_OPTIONS_ERROR_VALUE,
                 "option 'mode': '7' is not a value; accepted balance-rr (0), active-backup (1), "
                 "balance-xor (2), broadcast (3), 802.3ad (4), balance-tlb (5), balance-alb (6)");
    CU_ASSERT_STRING_EQUAL(bond_hash_policy_name(BOND_HASH_LAYER34), "layer3+4");
    CU_ASSERT_STRING_EQUAL(bond_hash_policy_name(BOND_HASH_VLAN_SRCMAC), "vlan+srcmac");
}

static void ip_link_style_and_mixed(void)
{
    BondParams kv = parse_ok("mode=active-backup miimon=100 updelay=200 primary=eth1", NULL);
    BondParams ip = parse_ok("mode active-backup miimon 100 updelay 200 primary eth1", NULL);
    BondParams mixed = parse_ok("mode active-backup miimon=100 updelay 200,primary=eth1", NULL);
    CU_ASSERT_TRUE(params_equal(&kv, &ip));
    CU_ASSERT_TRUE(params_equal(&kv, &mixed));
    CU_ASSERT_EQUAL(ip.miimon_ms, 100);
    CU_ASSERT_EQUAL(ip.updelay_ms, 200);
    CU_ASSERT_STRING_EQUAL(ip.primary, "eth1");
    /* repeated option: the later one wins, as writing sysfs twice */
    BondParams twice = parse_ok("miimon=100 miimon=200", NULL);
    CU_ASSERT_EQUAL(twice.miimon_ms, 200);
    /* blanks of any kind and stray commas separate */
    BondParams blanks = parse_ok("  mode=1\tmiimon=100,\n,updelay=200  primary=eth1 ", NULL);
    CU_ASSERT_TRUE(params_equal(&kv, &blanks));
    expect_error("mode active-backup miimon", BOND_OPTIONS_ERROR_VALUE,
                 "option 'miimon' needs a value");
}

static void comma_lists_stay_one_value(void)
{
    BondParams p = parse_ok("mode=1,arp_interval=1000,arp_ip_target=10.0.0.1,10.0.0.2,"
                            "arp_validate=all",
                            NULL);
    CU_ASSERT_EQUAL(p.mode, BOND_MODE_AB);
    CU_ASSERT_EQUAL(p.arp_interval_ms, 1000);
    CU_ASSERT_EQUAL(p.n_arp_targets, 2);
    CU_ASSERT_EQUAL(memcmp(p.arp_targets[1], (uint8_t[]){10, 0, 0, 2}, 4), 0);
    CU_ASSERT_EQUAL(p.arp_validate, 3);
    /* ip link style, networkd's space-separated list, sysfs +/- edits */
    BondParams ip = parse_ok("arp_interval 1000 arp_ip_target 10.0.0.1,10.0.0.2", NULL);
    CU_ASSERT_EQUAL(ip.n_arp_targets, 2);
    BondParams nd = parse_ok("ARPIntervalSec=1 ARPIPTargets=10.0.0.1 10.0.0.2 10.0.0.3", NULL);
    CU_ASSERT_EQUAL(nd.n_arp_targets, 3);
    CU_ASSERT_EQUAL(nd.arp_interval_ms, 1000);
    BondParams ed = parse_ok("arp_interval=100 arp_ip_target=10.0.0.1,10.0.0.2 "
                             "arp_ip_target=+10.0.0.3 arp_ip_target=-10.0.0.1",
                             NULL);
    expect_string(&ed, "mode=balance-rr arp_interval=100 arp_ip_target=10.0.0.2,10.0.0.3");
    BondParams v6 = parse_ok("mode=1 arp_interval=200 ns_ip6_target=fe80::1,2001:db8::1", NULL);
    CU_ASSERT_EQUAL(v6.n_ns_targets, 2);
    CU_ASSERT_EQUAL(v6.ns_targets[0][0], 0xfe);
    CU_ASSERT_EQUAL(v6.ns_targets[1][15], 1);
}

static void netplan_networkd_ifupdown_aliases(void)
{
    BondParams kernel = parse_ok("mode=active-backup miimon=100 updelay=200 downdelay=100 "
                                 "primary_reselect=better fail_over_mac=active num_grat_arp=3 "
                                 "resend_igmp=2 all_slaves_active=1 primary=eth0",
                                 NULL);
    BondParams netplan =
        parse_ok("mode=active-backup mii-monitor-interval=100 up-delay=200 down-delay=0.1s "
                 "primary-reselect-policy=better fail-over-mac-policy=active gratuitous-arp=3 "
                 "resend-igmp=2 all-slaves-active=true primary=eth0",
                 NULL);
    BondParams networkd = parse_ok("Mode=active-backup MIIMonitorSec=0.1 UpDelaySec=200ms "
                                   "DownDelaySec=0.1s PrimaryReselectPolicy=better "
                                   "FailOverMACPolicy=active GratuitousARP=3 ResendIGMP=2 "
                                   "AllSlavesActive=yes primary=eth0",
                                   NULL);
    BondParams ifupdown = parse_ok("bond-mode active-backup bond-miimon 100 bond-updelay 200 "
                                   "bond_downdelay=100 bond-primary-reselect better "
                                   "bond-fail-over-mac active bond-num-unsol-na 3 "
                                   "bond-resend-igmp 2 bond-all-slaves-active 1 bond-primary eth0",
                                   NULL);
    CU_ASSERT_TRUE(params_equal(&kernel, &netplan));
    CU_ASSERT_TRUE(params_equal(&kernel, &networkd));
    CU_ASSERT_TRUE(params_equal(&kernel, &ifupdown));
    BondParams lacp =
        parse_ok("Mode=802.3ad TransmitHashPolicy=layer3+4 LACPTransmitRate=fast AdSelect=count "
                 "AdActorSystemPriority=100 AdUserPortKey=5 AdActorSystem=02:00:00:00:00:09 "
                 "MinLinks=2",
                 NULL);
    expect_string(&lacp, "mode=802.3ad miimon=100 xmit_hash_policy=layer3+4 lacp_rate=fast "
                         "ad_select=count ad_actor_sys_prio=100 ad_actor_system=02:00:00:00:00:09 "
                         "ad_user_port_key=5 min_links=2");
    BondParams alb = parse_ok("Mode=balance-alb DynamicTransmitLoadBalancing=no "
                              "LearnPacketIntervalSec=5 transmit-hash-policy=layer2+3",
                              NULL);
    CU_ASSERT_EQUAL(alb.tlb_dynamic_lb, 0);
    CU_ASSERT_EQUAL(alb.lp_interval_s, 5);
    CU_ASSERT_EQUAL(alb.xmit_hash_policy, BOND_HASH_LAYER23);
    BondParams rr = parse_ok("packets-per-slave=4 PeerNotifyDelaySec=0.5 miimon=100", NULL);
    CU_ASSERT_EQUAL(rr.packets_per_slave, 4);
    CU_ASSERT_EQUAL(rr.peer_notif_delay_ms, 500);
}

static void time_units(void)
{
    CU_ASSERT_EQUAL(parse_ok("miimon=100", NULL).miimon_ms, 100);
    CU_ASSERT_EQUAL(parse_ok("miimon=100ms", NULL).miimon_ms, 100);
    CU_ASSERT_EQUAL(parse_ok("miimon=0.1s", NULL).miimon_ms, 100);
    CU_ASSERT_EQUAL(parse_ok("miimon=1s", NULL).miimon_ms, 1000);
    CU_ASSERT_EQUAL(parse_ok("miimon=250000us", NULL).miimon_ms, 250);
    CU_ASSERT_EQUAL(parse_ok("MIIMonitorSec=2", NULL).miimon_ms, 2000);
    CU_ASSERT_EQUAL(parse_ok("mode=5 lp_interval=3", NULL).lp_interval_s, 3);
    CU_ASSERT_EQUAL(parse_ok("mode=6 lp_interval=2min", NULL).lp_interval_s, 120);
    expect_error("miimon=0.0005s", BOND_OPTIONS_ERROR_VALUE,
                 "option 'miimon': '0.0005s' is not a whole number of ms; accepted "
                 "0-2147483647 (ms)");
    expect_error("MIIMonitorSec=0.0001", BOND_OPTIONS_ERROR_VALUE,
                 "option 'miimon' (given as 'MIIMonitorSec'): '0.0001' is not a whole number "
                 "of ms; accepted 0-2147483647 (ms)");
    expect_error("lp_interval=1500ms", BOND_OPTIONS_ERROR_VALUE,
                 "option 'lp_interval': '1500ms' is not a whole number of seconds; accepted "
                 "1-2147483647 (s)");
    expect_error("miimon=10x", BOND_OPTIONS_ERROR_VALUE,
                 "option 'miimon': '10x' is not a number; accepted 0-2147483647 (ms)");
}

/* ---- errors ------------------------------------------------------------ */

static void value_errors_give_accepted_range(void)
{
    expect_error("miimon=abc", BOND_OPTIONS_ERROR_VALUE,
                 "option 'miimon': 'abc' is not a number; accepted 0-2147483647 (ms)");
    expect_error("xmit_hash_policy=foo", BOND_OPTIONS_ERROR_VALUE,
                 "option 'xmit_hash_policy': 'foo' is not a value; accepted layer2 (0), layer3+4 "
                 "(1), layer2+3 (2), encap2+3 (3), encap3+4 (4), vlan+srcmac (5)");
    expect_error("miimon=3000000000", BOND_OPTIONS_ERROR_VALUE,
                 "option 'miimon': '3000000000' is out of range; accepted 0-2147483647 (ms)");
    expect_error("peer_notif_delay=300001", BOND_OPTIONS_ERROR_VALUE,
                 "option 'peer_notif_delay': '300001' is out of range; accepted 0-300000 (ms)");
    expect_error("num_grat_arp=256", BOND_OPTIONS_ERROR_VALUE,
                 "option 'num_grat_arp': '256' is out of range; accepted 0-255");
    expect_error("arp_missed_max=0", BOND_OPTIONS_ERROR_VALUE, NULL);
    expect_error("miimon=-1", BOND_OPTIONS_ERROR_VALUE, NULL);
    expect_error("mode=4 ad_actor_system=01:00:5e:00:00:01", BOND_OPTIONS_ERROR_VALUE,
                 "option 'ad_actor_system': 01:00:5e:00:00:01 is a multicast address; accepted "
                 "a unicast MAC such as 02:00:00:00:00:01");
    expect_error("primary=averyveryverylongname", BOND_OPTIONS_ERROR_VALUE, NULL);
}

static void arp_target_errors(void)
{
    expect_error("arp_ip_target=0.0.0.0", BOND_OPTIONS_ERROR_VALUE,
                 "option 'arp_ip_target': 0.0.0.0 is not a usable target (the kernel refuses "
                 "0.0.0.0 and 255.255.255.255); accepted up to 16 IPv4 addresses, "
                 "comma-separated");
    expect_error("arp_ip_target=10.0.0.1,255.255.255.255", BOND_OPTIONS_ERROR_VALUE, NULL);
    expect_error("arp_ip_target=10.0.0.300", BOND_OPTIONS_ERROR_VALUE,
                 "option 'arp_ip_target': '10.0.0.300' is not an IPv4 address; accepted up to 16 "
                 "IPv4 addresses, comma-separated");
    expect_error("arp_ip_target=10.0.0.1,10.0.0.1", BOND_OPTIONS_ERROR_VALUE, NULL);
    expect_error("ns_ip6_target=ff02::1", BOND_OPTIONS_ERROR_VALUE, NULL);
    expect_error("ns_ip6_target=::1", BOND_OPTIONS_ERROR_VALUE, NULL);
    /* a sign without an address is refused, not taken as "no change" */
    expect_error("arp_ip_target=+", BOND_OPTIONS_ERROR_VALUE,
                 "option 'arp_ip_target': '+' names no address to add; accepted up to 16 IPv4 "
                 "addresses, comma-separated");
    expect_error("arp_ip_target=10.0.0.1 arp_ip_target=-", BOND_OPTIONS_ERROR_VALUE, NULL);
    expect_error("ns_ip6_target=2001:db8::1,+", BOND_OPTIONS_ERROR_VALUE, NULL);
    g_autoptr(GString) many = g_string_new("arp_interval=100 arp_ip_target=");
    for (int i = 1; i <= 16; i++)
        g_string_append_printf(many, "%s10.0.0.%d", i > 1 ? "," : "", i);
    CU_ASSERT_EQUAL(parse_ok(many->str, NULL).n_arp_targets, 16);
    g_string_append(many, ",10.0.0.17");
    expect_error(many->str, BOND_OPTIONS_ERROR_VALUE,
                 "option 'arp_ip_target': more than 16 targets; accepted up to 16 IPv4 "
                 "addresses, comma-separated");
}

static void unknown_and_elsewhere_options(void)
{
    expect_error("foo=1", BOND_OPTIONS_ERROR_UNKNOWN, "unknown bonding option 'foo'");
    expect_error("miimom=100", BOND_OPTIONS_ERROR_UNKNOWN,
                 "unknown bonding option 'miimom'; did you mean 'miimon'?");
    expect_error("MIIMON=100", BOND_OPTIONS_ERROR_UNKNOWN,
                 "unknown bonding option 'MIIMON'; did you mean 'miimon'?");
    expect_error("UpDelaySecs=1", BOND_OPTIONS_ERROR_UNKNOWN,
                 "unknown bonding option 'UpDelaySecs'; did you mean 'UpDelaySec'?");
    expect_error("mode=1 eth0", BOND_OPTIONS_ERROR_UNKNOWN, "unknown bonding option 'eth0'");
    expect_error("mode=1 prio=10", BOND_OPTIONS_ERROR_UNKNOWN,
                 "option 'prio' is set per slave, not in the bond's options: use the per-slave "
                 "scenario key, e.g. bond0.prio.eth1 = 10");
    expect_error("queue_id eth1:2", BOND_OPTIONS_ERROR_UNKNOWN, NULL);
    expect_error("bond-slaves eth0 eth1", BOND_OPTIONS_ERROR_UNKNOWN,
                 "option 'slaves' is not a bonding option: list the slaves with the scenario "
                 "key, e.g. bond0.slaves = eth0 eth1");
}

static void options_refused_outside_their_modes(void)
{
    expect_error("mode=active-backup packets_per_slave=3", BOND_OPTIONS_ERROR_MODE,
                 "option 'packets_per_slave' is not valid in mode active-backup (valid in: "
                 "balance-rr)");
    expect_error("fail_over_mac=follow", BOND_OPTIONS_ERROR_MODE,
                 "option 'fail_over_mac' is not valid in mode balance-rr (valid in: "
                 "active-backup)");
    expect_error("primary=eth0", BOND_OPTIONS_ERROR_MODE,
                 "option 'primary' is not valid in mode balance-rr (valid in: active-backup, "
                 "balance-tlb, balance-alb)");
    expect_error("mode=1 xmit_hash_policy=layer3+4", BOND_OPTIONS_ERROR_MODE, NULL);
    expect_error("mode=1 lacp_rate=fast", BOND_OPTIONS_ERROR_MODE, NULL);
    expect_error("mode=2 min_links=1", BOND_OPTIONS_ERROR_MODE, NULL);
    expect_error("mode=4 tlb_dynamic_lb=0", BOND_OPTIONS_ERROR_MODE, NULL);
    expect_error("mode=802.3ad arp_interval=100 arp_ip_target=10.0.0.1", BOND_OPTIONS_ERROR_MODE,
                 "option 'arp_interval' is not valid in mode 802.3ad (valid in: balance-rr, "
                 "active-backup, balance-xor, broadcast)");
    expect_error("mode=balance-alb arp_validate=all", BOND_OPTIONS_ERROR_MODE, NULL);
    expect_error("mode=balance-alb arp_missed_max=3", BOND_OPTIONS_ERROR_MODE, NULL);
    /* reference 11 gives these no mode restriction (the kernel's table has
     * no unsuppmodes for them): accepted in every mode */
    static const char *const anywhere[] = {
        "mode=802.3ad arp_ip_target=10.0.0.1",      "mode=balance-tlb ns_ip6_target=2001:db8::1",
        "mode=balance-alb arp_all_targets=all",     "mode=active-backup ad_select=count",
        "mode=balance-xor primary_reselect=better",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(anywhere); i++) {
        GError *error = NULL;
        BondParams p;
        bond_params_defaults(&p);
        gboolean ok = bond_params_parse(&p, anywhere[i], NULL, &error);
        if (!ok)
            fprintf(stderr, "\n  '%s': %s\n", anywhere[i], error->message);
        CU_ASSERT_TRUE(ok);
        g_clear_error(&error);
    }
    /* accepted there, and kept when compare forces a mode */
    BondParams ad = parse_ok("mode=802.3ad arp_ip_target=10.0.0.1 ad_select=count", NULL);
    CU_ASSERT_EQUAL(ad.n_arp_targets, 1);
    CU_ASSERT_EQUAL(ad.ad_select, 2);
    CU_ASSERT_EQUAL(bond_params_force_mode(&ad, BOND_MODE_AB, NULL), 0);
    CU_ASSERT_EQUAL(ad.ad_select, 2);
    /* the order in the string does not matter: the final mode decides */
    CU_ASSERT_EQUAL(parse_ok("primary=eth0 mode=active-backup", NULL).mode, BOND_MODE_AB);
}

static void failed_parse_changes_nothing(void)
{
    BondParams p = parse_ok("mode=active-backup miimon=100", NULL), before = p;
    g_autoptr(GPtrArray) w = warnings_new();
    GError *error = NULL;
    CU_ASSERT_FALSE(bond_params_parse(&p, "updelay=250 miimon=abc", w, &error));
    g_clear_error(&error);
    CU_ASSERT_TRUE(params_equal(&p, &before));
    CU_ASSERT_EQUAL(p.set_mask, before.set_mask);
    CU_ASSERT_EQUAL(w->len, 0);
    /* a later string applies over the earlier one */
    CU_ASSERT_TRUE(bond_params_parse(&p, "updelay=300", w, NULL));
    CU_ASSERT_EQUAL(p.miimon_ms, 100);
    CU_ASSERT_EQUAL(p.updelay_ms, 300);
    CU_ASSERT_EQUAL(p.mode, BOND_MODE_AB);
}

/* ---- cross-option rules ----------------------------------------------- */

static void delays_need_miimon(void)
{
    expect_error("updelay=200", BOND_OPTIONS_ERROR_DEPENDS,
                 "option 'updelay' needs miimon (the kernel refuses it with EPERM while miimon "
                 "is 0)");
    expect_error("mode=1 downdelay=0", BOND_OPTIONS_ERROR_DEPENDS,
                 "option 'downdelay' needs miimon (the kernel refuses it with EPERM while "
                 "miimon is 0)");
    expect_error("peer_notif_delay=100 arp_interval=100 arp_ip_target=10.0.0.1",
                 BOND_OPTIONS_ERROR_DEPENDS, NULL);
    /* the later miimon in the string is fine: the string is one configuration */
    CU_ASSERT_EQUAL(parse_ok("updelay=200 miimon=100", NULL).updelay_ms, 200);
}

static void delays_rounded_down_to_miimon(void)
{
    g_autoptr(GPtrArray) w = warnings_new();
    BondParams p = parse_ok("mode=active-backup miimon=100 updelay=250", w);
    CU_ASSERT_EQUAL(p.updelay_ms, 200);
    expect_one_warning(w, "updelay 250 ms is not a multiple of miimon 100: the kernel uses 200 ms");
    g_ptr_array_set_size(w, 0);
    p = parse_ok("miimon=100 downdelay=50 peer_notif_delay=1000", w);
    CU_ASSERT_EQUAL(p.downdelay_ms, 0);
    CU_ASSERT_EQUAL(p.peer_notif_delay_ms, 1000);
    expect_one_warning(w, "downdelay 50 ms is not a multiple of miimon 100: the kernel uses 0 ms");
    g_ptr_array_set_size(w, 0);
    p = parse_ok("miimon=100 updelay=200 downdelay=300", w);
    CU_ASSERT_EQUAL(w->len, 0);
}

static void miimon_and_arp_interval_exclude(void)
{
    g_autoptr(GPtrArray) w = warnings_new();
    BondParams p = parse_ok("mode=1 miimon=100 arp_interval=1000 arp_ip_target=10.0.0.1", w);
    CU_ASSERT_EQUAL(p.miimon_ms, 0);
    CU_ASSERT_EQUAL(p.arp_interval_ms, 1000);
    expect_one_warning(w, "miimon and arp_interval exclude each other: arp_interval=1000 comes "
                          "later, so miimon 100 is cleared (the kernel runs one link monitor at "
                          "a time)");
    g_ptr_array_set_size(w, 0);
    p = parse_ok("mode=1 arp_interval=1000 arp_ip_target=10.0.0.1 miimon=100", w);
    CU_ASSERT_EQUAL(p.miimon_ms, 100);
    CU_ASSERT_EQUAL(p.arp_interval_ms, 0);
    expect_one_warning(w, "miimon and arp_interval exclude each other: miimon=100 comes later, so "
                          "arp_interval 1000 is cleared (the kernel runs one link monitor at a "
                          "time)");
    /* a zero value disables nothing */
    g_ptr_array_set_size(w, 0);
    p = parse_ok("miimon=100 arp_interval=0", w);
    CU_ASSERT_EQUAL(p.miimon_ms, 100);
    CU_ASSERT_EQUAL(w->len, 0);
    expect_error("mode=1 arp_interval=1000", BOND_OPTIONS_ERROR_DEPENDS,
                 "option 'arp_interval' needs at least one arp_ip_target or ns_ip6_target: the "
                 "ARP monitor has nothing to probe (given as a module parameter, the kernel warns "
                 "and sets arp_interval to 0; bondsim refuses it)");
    CU_ASSERT_EQUAL(parse_ok("mode=1 arp_interval=1000 ns_ip6_target=fe80::1", NULL).n_ns_targets,
                    1);
}

static void lb_modes_force_miimon_100(void)
{
    static const char *const modes[] = {"802.3ad", "balance-tlb", "balance-alb"};
    for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
        g_autoptr(GPtrArray) w = warnings_new();
        g_autofree char *text = g_strdup_printf("mode=%s", modes[i]);
        g_autofree char *msg = g_strdup_printf(
            "mode %s needs the MII monitor: miimon 0 becomes 100, as the kernel sets it", modes[i]);
        BondParams p = parse_ok(text, w);
        CU_ASSERT_EQUAL(p.miimon_ms, 100);
        expect_one_warning(w, msg);
    }
    g_autoptr(GPtrArray) w = warnings_new();
    BondParams p = parse_ok("mode=4 miimon=200 updelay=400", w);
    CU_ASSERT_EQUAL(p.miimon_ms, 200);
    CU_ASSERT_EQUAL(w->len, 0);
    /* the forced miimon satisfies updelay (the kernel sets miimon with the mode) */
    CU_ASSERT_EQUAL(parse_ok("mode=4 updelay=300", NULL).updelay_ms, 300);
    /* finish() on hand-set params applies the same rules */
    bond_params_defaults(&p);
    p.mode = BOND_MODE_TLB;
    CU_ASSERT_TRUE(bond_params_finish(&p, NULL, NULL));
    CU_ASSERT_EQUAL(p.miimon_ms, 100);
    CU_ASSERT_EQUAL(parse_ok("mode=0", NULL).miimon_ms, 0);
}

static void use_carrier_zero_is_ignored_with_warning(void)
{
    g_autoptr(GPtrArray) w = warnings_new();
    BondParams p = parse_ok("use_carrier=0", w);
    CU_ASSERT_EQUAL(p.use_carrier, 0);
    expect_one_warning(w, "use_carrier 0 is ignored: kernels from 6.18 always use the carrier "
                          "state, and so does bondsim");
    CU_ASSERT_TRUE(bond_params_check_modelled(&p, NULL));
}

/* ---- modelled or refused ----------------------------------------------- */

static void expect_unmodelled(const char *text, const char *message)
{
    BondParams p = parse_ok(text, NULL);
    GError *error = NULL;
    CU_ASSERT_FALSE(bond_params_check_modelled(&p, &error));
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    CU_ASSERT_EQUAL(error->code, BOND_OPTIONS_ERROR_UNSUPPORTED);
    if (strcmp(error->message, message) != 0)
        fprintf(stderr, "\n  got '%s'\n", error->message);
    CU_ASSERT_STRING_EQUAL(error->message, message);
    g_error_free(error);
}

static void check_modelled_refuses_by_name(void)
{
    /* Every mode is modelled now, and so is every 802.3ad option except
     * coupled_control=0 (the decoupled mux of 7.8) and broadcast_neighbor
     * (Linux 6.16+): they are refused by name. */
    expect_unmodelled("mode=4 coupled_control=0",
                      "option 'coupled_control' is a real bonding option that this version of "
                      "bondsim does not model yet");
    expect_unmodelled("mode=4 broadcast_neighbor=1",
                      "option 'broadcast_neighbor' is a real bonding option that this version of "
                      "bondsim does not model yet");
    /* active_slave (reference 11) is read by nothing in the bond: refused by
     * name when set, never accepted and ignored; empty is its default */
    expect_unmodelled("mode=active-backup miimon=100 active_slave=eth1",
                      "option 'active_slave' is a real bonding option that this version of "
                      "bondsim does not model yet");
    BondParams lacp = parse_ok("mode=4 lacp_rate=fast lacp_active=off ad_select=count "
                               "ad_actor_sys_prio=100 ad_user_port_key=3 min_links=2 "
                               "coupled_control=1 broadcast_neighbor=0",
                               NULL);
    CU_ASSERT_TRUE(bond_params_check_modelled(&lacp, NULL));
    /* modelled options and explicit defaults of unmodelled ones pass */
    static const char *const fine[] = {
        "mode=active-backup miimon=100 updelay=200 downdelay=100 peer_notif_delay=300 "
        "primary=eth1 primary_reselect=failure active_slave= fail_over_mac=follow "
        "num_unsol_na=5 all_slaves_active=1 resend_igmp=0 use_carrier=1",
        "mode=balance-rr packets_per_slave=0 miimon=50",
        "mode=1 miimon=100 arp_validate=none arp_missed_max=2",
        "mode=1 arp_interval=100 arp_ip_target=10.0.0.1 arp_validate=all arp_all_targets=all "
        "arp_missed_max=3 ns_ip6_target=fe80::1",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(fine); i++) {
        BondParams p = parse_ok(fine[i], NULL);
        GError *error = NULL;
        gboolean ok = bond_params_check_modelled(&p, &error);
        if (!ok)
            fprintf(stderr, "\n  '%s': %s\n", fine[i], error->message);
        CU_ASSERT_TRUE(ok);
        g_clear_error(&error);
    }
}

/* ---- canonical string ------------------------------------------------- */

static void to_string_is_canonical(void)
{
    BondParams p = parse_ok("num_unsol_na 3 updelay=0.2s primary eth1 Mode=1 "
                            "MIIMonitorSec=0.1 resend_igmp=1 fail_over_mac=2",
                            NULL);
    expect_string(&p, "mode=active-backup miimon=100 updelay=200 primary=eth1 "
                      "fail_over_mac=follow num_grat_arp=3");
}

static void to_string_round_trips(void)
{
    static const char *const texts[] = {
        "",
        "mode=active-backup miimon=100 updelay=250 downdelay=100 num_grat_arp=0",
        "mode=balance-rr packets_per_slave=0 all_slaves_active=1 use_carrier=0",
        "mode=1 arp_interval=1000 arp_ip_target=10.0.0.1,192.168.1.254 arp_validate=filter_backup "
        "arp_all_targets=all arp_missed_max=5 ns_ip6_target=fe80::1,2001:db8::2 primary=eth2",
        "mode=802.3ad xmit_hash_policy=encap3+4 lacp_rate=fast lacp_active=off ad_select=bandwidth "
        "ad_actor_sys_prio=1 ad_actor_system=02:aa:bb:cc:dd:ee ad_user_port_key=1023 "
        "min_links=2 coupled_control=off broadcast_neighbor=1",
        "mode=balance-alb tlb_dynamic_lb=0 lp_interval=10 primary=eth0 xmit_hash_policy=2",
        "Mode=balance-xor MIIMonitorSec=1 DownDelaySec=2 TransmitHashPolicy=vlan+srcmac",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
        BondParams p = parse_ok(texts[i], NULL);
        g_autofree char *s = bond_params_to_string(&p);
        BondParams q = parse_ok(s, NULL);
        g_autofree char *s2 = bond_params_to_string(&q);
        if (!params_equal(&p, &q))
            fprintf(stderr, "\n  round trip of '%s' via '%s' differs\n", texts[i], s);
        CU_ASSERT_TRUE(params_equal(&p, &q));
        CU_ASSERT_STRING_EQUAL(s, s2);
    }
}

static void help_lists_every_option(void)
{
    g_autofree char *help = bond_options_help();
    static const char *const names[] = {
        "mode",
        "miimon",
        "updelay",
        "downdelay",
        "peer_notif_delay",
        "use_carrier",
        "arp_interval",
        "arp_ip_target",
        "ns_ip6_target",
        "arp_validate",
        "arp_all_targets",
        "arp_missed_max",
        "primary",
        "primary_reselect",
        "active_slave",
        "fail_over_mac",
        "num_grat_arp",
        "num_unsol_na",
        "all_slaves_active",
        "resend_igmp",
        "packets_per_slave",
        "xmit_hash_policy",
        "lacp_rate",
        "lacp_active",
        "ad_select",
        "ad_actor_sys_prio",
        "ad_actor_system",
        "ad_user_port_key",
        "min_links",
        "coupled_control",
        "tlb_dynamic_lb",
        "lp_interval",
        "broadcast_neighbor",
        "prio",
        "queue_id",
        "MIIMonitorSec",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(help, names[i]));
    CU_ASSERT_PTR_NULL(strstr(help, "802.3ad (4) [not modelled yet]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(help, "coupled mux machine (bond down) [not modelled yet]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(help, "accepts 0-2147483647 (ms); default 0"));
}

static CU_TestInfo cases[] = {
    {"defaults_match_reference_table", defaults_match_reference_table},
    {"mode_by_name_and_number", mode_by_name_and_number},
    {"ip_link_style_and_mixed", ip_link_style_and_mixed},
    {"comma_lists_stay_one_value", comma_lists_stay_one_value},
    {"netplan_networkd_ifupdown_aliases", netplan_networkd_ifupdown_aliases},
    {"time_units", time_units},
    {"value_errors_give_accepted_range", value_errors_give_accepted_range},
    {"arp_target_errors", arp_target_errors},
    {"unknown_and_elsewhere_options", unknown_and_elsewhere_options},
    {"options_refused_outside_their_modes", options_refused_outside_their_modes},
    {"failed_parse_changes_nothing", failed_parse_changes_nothing},
    {"delays_need_miimon", delays_need_miimon},
    {"delays_rounded_down_to_miimon", delays_rounded_down_to_miimon},
    {"miimon_and_arp_interval_exclude", miimon_and_arp_interval_exclude},
    {"lb_modes_force_miimon_100", lb_modes_force_miimon_100},
    {"use_carrier_zero_is_ignored_with_warning", use_carrier_zero_is_ignored_with_warning},
    {"check_modelled_refuses_by_name", check_modelled_refuses_by_name},
    {"to_string_is_canonical", to_string_is_canonical},
    {"to_string_round_trips", to_string_round_trips},
    {"help_lists_every_option", help_lists_every_option},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cu_run("options", cases);
}
