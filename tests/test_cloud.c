/* test_cloud.c - the cloud virtual switch (sim/switch.c, vswitch section)
 * and its profiles (sim/cloud.c).
 *
 * A three-port switch: stations 0 and 1 are VMs whose ports are bound to
 * their MAC and IPv4 address, station 2 sits on a trusted port (the
 * gateway). Stations send hand-written IPv4, ARP and LACP frames with
 * whatever addresses a test needs; each test asserts where frames arrive and
 * the exact per-port, per-reason drop counters of the profile.
 */
#include "cloud.h"

#include "cu_run.h"
#include "sim.h"
#include "switch.h"
#include "testlib.h"
#include "util/bytes.h"
#include "util/units.h"

#include <string.h>

#define N_PORTS 3

static const uint8_t mac_st[N_PORTS][6] = {
    {0x02, 0, 0, 0, 0, 0xa0},
    {0x02, 0, 0, 0, 0, 0xa1},
    {0x02, 0, 0, 0, 0, 0xa2},
};
static const uint8_t ip_st[N_PORTS][4] = {{10, 0, 0, 11}, {10, 0, 0, 12}, {10, 0, 0, 1}};
static const uint8_t mac_other[6] = {0x02, 0, 0, 0, 0, 0xee};
static const uint8_t ip_other[4] = {10, 0, 0, 99};
static const uint8_t mac_slow[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x02};

typedef struct {
    Sim *sim;
    Switch *sw;
    Nic *st[N_PORTS];
    uint64_t rx[N_PORTS];
} Cloud;

static void station_rx(Sim *sim, Nic *nic, Frame *f)
{
    Cloud *c = nic->owner;
    c->rx[nic->owner_index]++;
    frame_free(&sim->pool, f);
}

/* A cloud switch under `profile` (NULL: a plain bridge). */
static void cloud_init(Cloud *c, const char *profile)
{
    memset(c, 0, sizeof(*c));
    c->sim = tl_sim("t", 0);
    c->sw = tl_add_switch(c->sim, "vsw", N_PORTS, 0);
    if (profile)
        CU_ASSERT_TRUE_FATAL(switch_set_vswitch(c->sw, cloud_profile_find(profile), NULL));
    for (int i = 0; i < N_PORTS; i++) {
        c->st[i] = tl_add_station(c->sim, c->sw, i, mac_st[i], c, station_rx, NULL);
        if (!profile)
            continue;
        SwitchBinding b = {.trusted = i == 2, .has_mac = i < 2, .n_ip = i < 2};
        memcpy(b.mac, mac_st[i], 6);
        memcpy(b.ip[0], ip_st[i], 4);
        switch_vs_bind(c->sw, i + 1, &b);
    }
}

static void cloud_clear(Cloud *c)
{
    CU_ASSERT_EQUAL(c->sim->pool.in_use, 0);
    sim_free(c->sim);
    for (int i = 0; i < N_PORTS; i++)
        nic_free(c->st[i]);
}

/* A minimal IPv4/UDP frame. */
static Frame *ip_frame(Cloud *c, const uint8_t dmac[6], const uint8_t smac[6], const uint8_t sip[4],
                       const uint8_t dip[4])
{
    Frame *f = frame_alloc(&c->sim->pool);
    tl_eth_header(f->data, 64, dmac, smac, ETH_P_IP);
    uint8_t *ip = f->data + ETH_HLEN;
    ip[0] = 0x45;
    put_be16(ip + 2, 28);
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, sip, 4);
    memcpy(ip + 16, dip, 4);
    f->len = 64;
    return f;
}

/* An ARP request "who has tip, tell sip". */
static Frame *arp_frame(Cloud *c, const uint8_t smac[6], const uint8_t sip[4], const uint8_t tip[4])
{
    Frame *f = frame_alloc(&c->sim->pool);
    f->len = tl_arp_request(f->data, smac, sip, tip);
    return f;
}

static Frame *lacp_frame(Cloud *c, const uint8_t smac[6])
{
    Frame *f = frame_alloc(&c->sim->pool);
    tl_eth_header(f->data, 124, mac_slow, smac, ETH_P_SLOW);
    f->data[14] = 1; /* LACP */
    f->len = 124;
    return f;
}

static void send_from(Cloud *c, int from, Frame *f)
{
    CU_ASSERT_TRUE(nic_xmit(c->sim, c->st[from], f));
    engine_run(&c->sim->eng, c->sim, engine_now(&c->sim->eng) + PS_PER_MS);
}

static uint64_t drops(const Cloud *c, int port, SwitchVsDrop r)
{
    return switch_vs_drops(c->sw, port, r);
}

static uint64_t total_drops(const Cloud *c)
{
    uint64_t n = 0;
    for (int p = 1; p <= N_PORTS; p++)
        for (int r = 0; r < SWITCH_VS_DROP_COUNT; r++)
            n += drops(c, p, (SwitchVsDrop)r);
    return n;
}

/* ---- AWS / Alibaba: MAC and IP bound, destination checked ---------------- */

static void aws_forwards_bound_traffic_between_vms(void)
{
    Cloud c;
    cloud_init(&c, "aws");
    send_from(&c, 0, arp_frame(&c, mac_st[0], ip_st[0], ip_st[1]));
    send_from(&c, 0, ip_frame(&c, mac_st[1], mac_st[0], ip_st[0], ip_st[1]));
    send_from(&c, 2, ip_frame(&c, mac_st[0], mac_st[2], ip_other, ip_st[0]));
    CU_ASSERT_EQUAL(c.rx[0], 1); /* from the trusted gateway, any source IP */
    CU_ASSERT_EQUAL(c.rx[1], 2); /* the ARP broadcast and the unicast */
    CU_ASSERT_EQUAL(c.rx[2], 1); /* the ARP broadcast */
    CU_ASSERT_EQUAL(total_drops(&c), 0);
    cloud_clear(&c);
}

static void aws_drops_foreign_source_mac_then_foreign_source_ip(void)
{
    Cloud c;
    cloud_init(&c, "aws");
    /* the bond's MAC (eth0's) on eth1's port, as after an active-backup failover */
    send_from(&c, 1, ip_frame(&c, mac_st[2], mac_st[0], ip_st[0], ip_st[2]));
    send_from(&c, 1, arp_frame(&c, mac_st[0], ip_st[0], ip_st[2]));
    /* its own MAC, but eth0's address */
    send_from(&c, 1, ip_frame(&c, mac_st[2], mac_st[1], ip_st[0], ip_st[2]));
    send_from(&c, 1, arp_frame(&c, mac_st[1], ip_st[0], ip_st[2]));
    CU_ASSERT_EQUAL(drops(&c, 2, SWITCH_VS_SRC_MAC), 2);
    CU_ASSERT_EQUAL(drops(&c, 2, SWITCH_VS_SRC_IP), 2);
    CU_ASSERT_EQUAL(total_drops(&c), 4);
    CU_ASSERT_EQUAL(c.rx[0] + c.rx[1] + c.rx[2], 0);
    CU_ASSERT_EQUAL(switch_fdb_lookup(c.sw, mac_st[0], engine_now(&c.sim->eng)), -1);
    cloud_clear(&c);
}

static void aws_destination_check_drops_address_not_bound_to_the_port(void)
{
    Cloud c;
    cloud_init(&c, "aws");
    /* to port2's MAC, but an address port2 does not have */
    send_from(&c, 2, ip_frame(&c, mac_st[1], mac_st[2], ip_other, ip_other));
    CU_ASSERT_EQUAL(drops(&c, 2, SWITCH_VS_DST), 1); /* counted on the refusing port */
    /* unknown unicast from a VM: flooded to trusted ports only */
    send_from(&c, 0, ip_frame(&c, mac_other, mac_st[0], ip_st[0], ip_other));
    CU_ASSERT_EQUAL(c.rx[1], 0);
    CU_ASSERT_EQUAL(c.rx[2], 1);
    CU_ASSERT_EQUAL(total_drops(&c), 1);
    cloud_clear(&c);
}

static void alibaba_drops_lacpdus_as_not_supported(void)
{
    Cloud c;
    cloud_init(&c, "alibaba");
    send_from(&c, 0, lacp_frame(&c, mac_st[0]));
    send_from(&c, 1, lacp_frame(&c, mac_st[1]));
    send_from(&c, 1, lacp_frame(&c, mac_st[1]));
    CU_ASSERT_EQUAL(drops(&c, 1, SWITCH_VS_LACP), 1);
    CU_ASSERT_EQUAL(drops(&c, 2, SWITCH_VS_LACP), 2);
    CU_ASSERT_EQUAL(total_drops(&c), 3);
    CU_ASSERT_EQUAL(c.sw->pc[0].link_local_consumed, 0);
    cloud_clear(&c);
}

/* ---- Hyper-V ------------------------------------------------------------- */

static void hyperv_strict_checks_mac_not_ip(void)
{
    Cloud c;
    cloud_init(&c, "hyperv-strict");
    send_from(&c, 0, ip_frame(&c, mac_st[2], mac_st[0], ip_other, ip_st[2])); /* IP free */
    send_from(&c, 0, ip_frame(&c, mac_st[2], mac_other, ip_st[0], ip_st[2])); /* spoofed MAC */
    send_from(&c, 2, ip_frame(&c, mac_st[1], mac_st[2], ip_st[2], ip_other)); /* dst IP free */
    send_from(&c, 0, lacp_frame(&c, mac_st[0]));
    CU_ASSERT_EQUAL(c.rx[2], 1);
    CU_ASSERT_EQUAL(c.rx[1], 1);
    CU_ASSERT_EQUAL(drops(&c, 1, SWITCH_VS_SRC_MAC), 1);
    CU_ASSERT_EQUAL(drops(&c, 1, SWITCH_VS_LACP), 1);
    CU_ASSERT_EQUAL(total_drops(&c), 2);
    cloud_clear(&c);
}

static void hyperv_teaming_lets_any_mac_through_but_not_lacp(void)
{
    Cloud c;
    cloud_init(&c, "hyperv-teaming");
    /* the team's MAC on the second vNIC: learned, forwarded */
    send_from(&c, 1, ip_frame(&c, mac_st[2], mac_st[0], ip_st[0], ip_st[2]));
    send_from(&c, 2, ip_frame(&c, mac_st[0], mac_st[2], ip_st[2], ip_st[0]));
    send_from(&c, 1, lacp_frame(&c, mac_st[1]));
    CU_ASSERT_EQUAL(c.rx[2], 1);
    CU_ASSERT_EQUAL(c.rx[0], 1); /* a flooded copy of the first frame */
    CU_ASSERT_EQUAL(c.rx[1], 1); /* the reply follows the learned MAC, not the binding */
    CU_ASSERT_EQUAL(drops(&c, 2, SWITCH_VS_LACP), 1);
    CU_ASSERT_EQUAL(total_drops(&c), 1);
    cloud_clear(&c);
}

/* ---- comments, plain switches, bindings ----------------------------------- */

static void drop_streak_is_commented_once(void)
{
    Cloud c;
    cloud_init(&c, "aws");
    Nic *port2 = switch_port(c.sw, 2);
    Frame *f = ip_frame(&c, mac_st[2], mac_st[0], ip_st[0], ip_st[2]);
    const char *note = port2->rx_note(c.sim, port2, f);
    CU_ASSERT_STRING_EQUAL(note, "bondsim: drop vsw port2 reason=src-mac-not-bound profile=aws "
                                 "term=\"ENI MAC address binding\"");
    send_from(&c, 1, f);
    f = ip_frame(&c, mac_st[2], mac_st[0], ip_st[0], ip_st[2]);
    CU_ASSERT_PTR_NULL(port2->rx_note(c.sim, port2, f)); /* same streak */
    send_from(&c, 1, f);
    f = ip_frame(&c, mac_st[2], mac_st[1], ip_other, ip_st[2]);
    note = port2->rx_note(c.sim, port2, f); /* a new reason: a new streak */
    CU_ASSERT_PTR_NOT_NULL(note);
    CU_ASSERT_PTR_NOT_NULL(note ? strstr(note, "reason=src-ip-not-bound") : NULL);
    send_from(&c, 1, f);
    CU_ASSERT_EQUAL(total_drops(&c), 3);
    cloud_clear(&c);
}

static void plain_switch_counts_no_cloud_drops(void)
{
    Cloud c;
    cloud_init(&c, NULL);
    send_from(&c, 1, ip_frame(&c, mac_st[2], mac_st[0], ip_other, ip_st[2]));
    send_from(&c, 1, lacp_frame(&c, mac_st[1]));
    CU_ASSERT_EQUAL(c.rx[2], 1);
    CU_ASSERT_EQUAL(c.sw->pc[1].link_local_consumed, 1);
    CU_ASSERT_EQUAL(total_drops(&c), 0);
    CU_ASSERT_PTR_NULL(c.sw->vs);
    cloud_clear(&c);
}

static void cloud_switch_refuses_port_channels(void)
{
    Cloud c;
    cloud_init(&c, "aws");
    SwitchChanConfig cfg = {SWITCH_CHAN_STATIC, true, false, SWITCH_HASH_SRC_DST_IP};
    int ports[] = {1, 2};
    GError *e = NULL;
    CU_ASSERT_FALSE(switch_add_channel(c.sim, c.sw, "po1", ports, 2, &cfg, &e));
    CU_ASSERT_PTR_NOT_NULL(e ? strstr(e->message, "no port-channels") : NULL);
    g_clear_error(&e);
    cloud_clear(&c);
}

static void profiles_and_bindings_parse(void)
{
    CU_ASSERT_PTR_NOT_NULL(cloud_profile_find("aws"));
    CU_ASSERT_PTR_NOT_NULL(cloud_profile_find("alibaba"));
    CU_ASSERT_PTR_NOT_NULL(cloud_profile_find("hyperv-strict"));
    CU_ASSERT_PTR_NOT_NULL(cloud_profile_find("hyperv-teaming"));
    CU_ASSERT_PTR_NULL(cloud_profile_find("none"));
    CU_ASSERT_PTR_NULL(cloud_profile_find("gcp"));
    CU_ASSERT_STRING_EQUAL(cloud_profile_find("aws")->term[SWITCH_VS_SRC_IP],
                           "source/destination check");
    SwitchBinding b = {0};
    CU_ASSERT_TRUE(cloud_parse_binding("mac=02:00:00:00:00:0b ip=10.0.0.11,10.0.0.12", &b, NULL));
    g_autofree char *t = cloud_binding_text(&b);
    CU_ASSERT_STRING_EQUAL(t, "mac=02:00:00:00:00:0b ip=10.0.0.11,10.0.0.12");
    CU_ASSERT_TRUE(cloud_parse_binding("ip=none", &b, NULL));
    CU_ASSERT_EQUAL(b.n_ip, 0);
    CU_ASSERT_TRUE(cloud_parse_binding("trusted", &b, NULL));
    CU_ASSERT_TRUE(b.trusted);
    GError *e = NULL;
    CU_ASSERT_FALSE(cloud_parse_binding("vlan=3", &b, &e));
    g_clear_error(&e);
    CU_ASSERT_FALSE(cloud_parse_binding("ip=10.0.0.300", &b, &e));
    g_clear_error(&e);
}

static void drops_are_reported_as_json(void)
{
    Cloud c;
    cloud_init(&c, "aws");
    send_from(&c, 1, lacp_frame(&c, mac_st[1]));
    g_autofree char *j = cloud_switch_json(c.sw);
    CU_ASSERT_STRING_EQUAL(
        j, "{\"profile\":\"aws\",\"ports\":["
           "{\"name\":\"vsw/port1\",\"binding\":\"mac=02:00:00:00:00:a0 ip=10.0.0.11\","
           "\"drops\":{\"src-mac-not-bound\":0,\"src-ip-not-bound\":0,\"dst-not-bound\":0,"
           "\"lacp-not-supported\":0}},"
           "{\"name\":\"vsw/port2\",\"binding\":\"mac=02:00:00:00:00:a1 ip=10.0.0.12\","
           "\"drops\":{\"src-mac-not-bound\":0,\"src-ip-not-bound\":0,\"dst-not-bound\":0,"
           "\"lacp-not-supported\":1}},"
           "{\"name\":\"vsw/port3\",\"binding\":\"trusted\","
           "\"drops\":{\"src-mac-not-bound\":0,\"src-ip-not-bound\":0,\"dst-not-bound\":0,"
           "\"lacp-not-supported\":0}}]}");
    cloud_clear(&c);
    cloud_init(&c, NULL);
    CU_ASSERT_PTR_NULL(cloud_switch_json(c.sw));
    cloud_clear(&c);
}

/* Names come from the scenario file and go into stats.json escaped: a
 * switch named v"s\w gives its ports' names as "v\"s\\w/portN" (the
 * cloud section used to print them raw: invalid JSON). */
static void cloud_json_escapes_port_names(void)
{
    g_autofree char *text = NULL;
    CU_ASSERT_TRUE_FATAL(
        g_file_get_contents(BONDSIM_SOURCE_DIR "/scenarios/seed-ecs-bond.ini", &text, NULL, NULL));
    g_auto(GStrv) a = g_strsplit(text, "[switch vsw]", -1);
    g_autofree char *t1 = g_strjoinv("[switch v\"s\\w]", a);
    g_auto(GStrv) b = g_strsplit(t1, "= vsw.", -1);
    g_autofree char *t2 = g_strjoinv("= v\"s\\w.", b);
    g_autofree char *dir = cu_scratch_dir("cloud_json_names");
    g_autofree char *ini = g_build_filename(dir, "names.ini", NULL);
    g_autofree char *out = g_build_filename(dir, "out", NULL);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(ini, t2, -1, NULL));
    TlRun r = tl_bondsim("run", ini, "-q", "--pcap-format", "none", "-o", out, NULL);
    CU_ASSERT_EQUAL(r.code, 0);
    tl_run_clear(&r);
    g_autofree char *json_path = g_build_filename(out, "stats.json", NULL);
    g_autofree char *json = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(json_path, &json, NULL, NULL));
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"name\":\"v\\\"s\\\\w/port1\""));
    CU_ASSERT_PTR_NULL(strstr(json, "\"name\":\"v\"s"));
}

static CU_TestInfo cases[] = {
    {"cloud_json_escapes_port_names", cloud_json_escapes_port_names},
    {"aws_forwards_bound_traffic_between_vms", aws_forwards_bound_traffic_between_vms},
    {"aws_drops_foreign_source_mac_then_foreign_source_ip",
     aws_drops_foreign_source_mac_then_foreign_source_ip},
    {"aws_destination_check_drops_address_not_bound_to_the_port",
     aws_destination_check_drops_address_not_bound_to_the_port},
    {"alibaba_drops_lacpdus_as_not_supported", alibaba_drops_lacpdus_as_not_supported},
    {"hyperv_strict_checks_mac_not_ip", hyperv_strict_checks_mac_not_ip},
    {"hyperv_teaming_lets_any_mac_through_but_not_lacp",
     hyperv_teaming_lets_any_mac_through_but_not_lacp},
    {"drop_streak_is_commented_once", drop_streak_is_commented_once},
    {"plain_switch_counts_no_cloud_drops", plain_switch_counts_no_cloud_drops},
    {"cloud_switch_refuses_port_channels", cloud_switch_refuses_port_channels},
    {"profiles_and_bindings_parse", profiles_and_bindings_parse},
    {"drops_are_reported_as_json", drops_are_reported_as_json},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cu_run("cloud", cases);
}
