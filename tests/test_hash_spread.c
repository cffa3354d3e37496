/* test_hash_spread.c - the hash-spread report (sim/bond/hash_spread.c).
 *
 * Captures are written at run time into the scratch directory with
 * libpcap's dump API (and one pcapng by hand). The capture used by most
 * cases, all from host 00:11:22:33:44:55 to gateway 00:aa:bb:cc:dd:02:
 *
 *   1 A    tcp 10.0.0.1:49152 > 192.0.2.10:80     54 bytes
 *   2 B    tcp 10.0.0.1:49153 > 192.0.2.10:80     54
 *   3 A                                           54
 *   4 C    tcp 10.0.0.1:49154 > 192.0.2.10:80     54
 *   5 ARP  request to ff:ff:ff:ff:ff:ff           42
 *   6 B                                           54
 *   7 D    tcp 10.0.0.1:49155 > 198.51.100.7:443  54
 *   8 A                                           54
 *   9 V    VLAN 101 tcp 10.0.0.1:49158 > 192.0.2.10:80   58 (tag in the capture)
 *
 * Expected slaves (2 slaves) were computed with the same independent Python
 * model as the vectors of test_hash.c (tools/hashvec-gen.py):
 *
 *   policy       frames 1-9, tag out of band   tag in band (frame 9)
 *   layer2       1 1 1 1 0 1 1 1 1             1
 *   layer3+4     1 1 1 0 0 1 0 1 0             1 (L2 0x8157)
 *   layer2+3     0 0 0 0 0 0 0 0 0             1
 *   encap2+3     0 0 0 0 0 0 0 0 0             1
 *   encap3+4     1 1 1 0 0 1 0 1 0             1
 *   vlan+srcmac  1 1 1 1 1 1 1 1 0             1 (TCI 0)
 */
/* libpcap's headers use the BSD types u_char and u_int (see capture.c). */
#define _DEFAULT_SOURCE 1

#include "bond/hash_spread.h"

#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bond/hash.h"
#include "cu_run.h"
#include "testlib.h"
#include "util/bytes.h"
#include "util/units.h"

/* ---- frames ----------------------------------------------------------- */

/* An Ethernet header from host 00:11:22:33:44:55. */
static void fr_eth(TlBytes *f, const char *dst, uint16_t type)
{
    tl_bytes_eth(f, dst, "00:11:22:33:44:55", type);
}

/* IPv4 (20 bytes) + TCP (20 bytes) from 10.0.0.1. */
static void fr_ip_tcp(TlBytes *f, const char *dst, uint16_t sport, uint16_t dport)
{
    uint8_t h[40] = {0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6};
    g_assert(units_parse_ipv4("10.0.0.1", h + 12, NULL) && units_parse_ipv4(dst, h + 16, NULL));
    put_be16(h + 20, sport);
    put_be16(h + 22, dport);
    h[32] = 0x50;
    h[33] = 0x10;
    tl_bytes_put(f, h, 40);
}

static TlBytes tcp_frame(const char *dst, uint16_t sport, uint16_t dport)
{
    TlBytes f = {0};
    fr_eth(&f, "00:aa:bb:cc:dd:02", 0x0800);
    fr_ip_tcp(&f, dst, sport, dport);
    return f;
}

static TlBytes arp_frame(void)
{
    TlBytes f = {0};
    fr_eth(&f, "ff:ff:ff:ff:ff:ff", 0x0806);
    uint8_t a[28] = {0, 1, 8, 0, 6, 4, 0, 1, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 10, 0, 0, 1};
    a[24] = 10;
    a[27] = 254;
    tl_bytes_put(&f, a, 28);
    return f;
}

static TlBytes vlan_frame(void)
{
    TlBytes f = {0};
    fr_eth(&f, "00:aa:bb:cc:dd:02", 0x8100);
    uint8_t tag[4] = {0, 101, 0x08, 0x00};
    tl_bytes_put(&f, tag, 4);
    fr_ip_tcp(&f, "192.0.2.10", 49158, 80);
    return f;
}

#define N_FRAMES 9

static void test_frames(TlBytes out[N_FRAMES])
{
    out[0] = tcp_frame("192.0.2.10", 49152, 80);
    out[1] = tcp_frame("192.0.2.10", 49153, 80);
    out[2] = out[0];
    out[3] = tcp_frame("192.0.2.10", 49154, 80);
    out[4] = arp_frame();
    out[5] = out[1];
    out[6] = tcp_frame("198.51.100.7", 49155, 443);
    out[7] = out[0];
    out[8] = vlan_frame();
}

/* ---- capture files ---------------------------------------------------- */

/* Made once in main(): cu_scratch_dir() empties the directory each call. */
static char *scratch_dir;

static char *scratch_path(const char *name)
{
    return g_build_filename(scratch_dir, name, NULL);
}

static void write_pcap(const char *path, int dlt, const TlBytes *frames, int n)
{
    pcap_t *dead = pcap_open_dead_with_tstamp_precision(dlt, 65535, PCAP_TSTAMP_PRECISION_NANO);
    g_assert(dead != NULL);
    pcap_dumper_t *d = pcap_dump_open(dead, path);
    g_assert(d != NULL);
    for (int i = 0; i < n; i++) {
        struct pcap_pkthdr h = {.ts = {.tv_sec = 1, .tv_usec = i * 1000},
                                .caplen = frames[i].len,
                                .len = frames[i].len};
        pcap_dump((u_char *)d, &h, frames[i].b);
    }
    pcap_dump_close(d);
    pcap_close(dead);
}

static char *write_test_capture(void)
{
    TlBytes frames[N_FRAMES];
    test_frames(frames);
    char *path = scratch_path("spread.pcap");
    write_pcap(path, DLT_EN10MB, frames, N_FRAMES);
    return path;
}

/* ---- report helpers --------------------------------------------------- */

static char *run_ok(const char *path, int slaves, int policy, bool per_frame, bool inband)
{
    GString *out = g_string_new(NULL);
    GError *error = NULL;
    gboolean ok = hash_spread_run(path, slaves, policy, per_frame, inband, out, &error);
    if (!ok)
        fprintf(stderr, "hash_spread_run: %s\n", error->message);
    CU_ASSERT_TRUE(ok);
    g_clear_error(&error);
    return g_string_free(out, FALSE);
}

/* The data rows of the table titled `title`: lines after the header row up
 * to the blank line, indentation removed. */
static GPtrArray *table_rows(const char *report, const char *title)
{
    GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *needle = g_strdup_printf("%s\n", title);
    const char *p = strstr(report, needle);
    if (p == NULL)
        return rows;
    p = strchr(p + strlen(needle), '\n'); /* skip the header row */
    while (p != NULL && p[1] != '\n' && p[1] != '\0') {
        const char *end = strchr(p + 1, '\n');
        g_ptr_array_add(rows, g_strchug(g_strndup(p + 1, (gsize)(end - p - 1))));
        p = end;
    }
    return rows;
}

/* Row `slave` of a spread table: frames, bytes, share, compared as text. */
static void spread_row_is(const char *report, const char *policy, int slaves, int slave,
                          const char *frames, const char *bytes, const char *share)
{
    g_autofree char *title = g_strdup_printf("policy %s: spread over %d slaves", policy, slaves);
    GPtrArray *rows = table_rows(report, title);
    CU_ASSERT_EQUAL_FATAL(rows->len, (guint)slaves);
    g_auto(GStrv) cells = g_strsplit_set(rows->pdata[slave], " ", -1);
    GPtrArray *t = g_ptr_array_new();
    for (char **c = cells; *c; c++)
        if (**c)
            g_ptr_array_add(t, *c);
    CU_ASSERT_EQUAL_FATAL(t->len, 4u);
    CU_ASSERT_EQUAL(atoi(t->pdata[0]), slave);
    CU_ASSERT_STRING_EQUAL(t->pdata[1], frames);
    CU_ASSERT_STRING_EQUAL(t->pdata[2], bytes);
    CU_ASSERT_STRING_EQUAL(t->pdata[3], share);
    g_ptr_array_free(t, TRUE);
    g_ptr_array_free(rows, TRUE);
}

/* The flow row starting with `label` ends with `slaves`. */
static void flow_slaves_are(const char *report, const char *policy, const char *label,
                            const char *slaves)
{
    g_autofree char *title = g_strdup_printf("policy %s: 6 flows", policy);
    GPtrArray *rows = table_rows(report, title);
    gboolean found = FALSE;
    for (guint i = 0; i < rows->len; i++) {
        const char *row = rows->pdata[i];
        if (g_str_has_prefix(row, label) && row[strlen(label)] == ' ') {
            const char *last = strrchr(row, ' ') + 1;
            CU_ASSERT_STRING_EQUAL(last, slaves);
            found = TRUE;
        }
    }
    if (!found)
        fprintf(stderr, "no flow '%s' under %s in:\n%s\n", label, policy, report);
    CU_ASSERT_TRUE(found);
    g_ptr_array_free(rows, TRUE);
}

/* The per-frame lines of `policy`, from slaves given as a string "1 1 0". */
static void frame_lines_are(const char *report, const char *policy, const char *slaves)
{
    g_auto(GStrv) s = g_strsplit(slaves, " ", -1);
    GString *want = g_string_new(NULL);
    for (int i = 0; s[i]; i++)
        g_string_append_printf(want, "frame %d policy %s slave %s\n", i + 1, policy, s[i]);
    gboolean ok = strstr(report, want->str) != NULL;
    if (!ok)
        fprintf(stderr, "wanted:\n%sin:\n%s\n", want->str, report);
    CU_ASSERT_TRUE(ok);
    g_string_free(want, TRUE);
}

/* ---- cases ------------------------------------------------------------ */

/* layer2: dst[5] ^ src[5] ^ 0x0800 = 0x0857 for every frame to the
 * gateway: slave 1 carries 8 frames (7 x 54 + 58 = 436 bytes), slave 0 only
 * the broadcast ARP (0x08AC, 42 bytes). 436 / 478 = 91.2% -> imbalance
 * 1.82. */
static void layer2_puts_gateway_traffic_on_one_slave(void)
{
    g_autofree char *path = write_test_capture();
    g_autofree char *r = run_ok(path, 2, BOND_HASH_LAYER2, false, false);
    spread_row_is(r, "layer2", 2, 0, "1", "42", "8.8%");
    spread_row_is(r, "layer2", 2, 1, "8", "436", "91.2%");
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "policy layer2: imbalance 1.82 (slave 1 carries 91.2% of the "
                                     "bytes, ideal 50.0%)\n"));
    flow_slaves_are(r, "layer2", "tcp 10.0.0.1:49152 > 192.0.2.10:80", "1");
    flow_slaves_are(r, "layer2", "tcp 10.0.0.1:49155 > 198.51.100.7:443", "1");
    flow_slaves_are(r, "layer2", "vlan 101 tcp 10.0.0.1:49158 > 192.0.2.10:80", "1");
    flow_slaves_are(r, "layer2", "ether 00:11:22:33:44:55 > ff:ff:ff:ff:ff:ff type 0x0806 (arp)",
                    "0");
    CU_ASSERT_PTR_NULL(strstr(r, "policy layer3+4"));
}

/* layer3+4: A and B on slave 1 (5 frames, 270 bytes); C, D, the ARP and
 * the VLAN flow on slave 0 (4 frames, 54 + 42 + 54 + 58 = 208 bytes). */
static void layer34_spreads_the_flows(void)
{
    g_autofree char *path = write_test_capture();
    g_autofree char *r = run_ok(path, 2, BOND_HASH_LAYER34, false, false);
    spread_row_is(r, "layer3+4", 2, 0, "4", "208", "43.5%");
    spread_row_is(r, "layer3+4", 2, 1, "5", "270", "56.5%");
    flow_slaves_are(r, "layer3+4", "tcp 10.0.0.1:49152 > 192.0.2.10:80", "1");
    flow_slaves_are(r, "layer3+4", "tcp 10.0.0.1:49153 > 192.0.2.10:80", "1");
    flow_slaves_are(r, "layer3+4", "tcp 10.0.0.1:49154 > 192.0.2.10:80", "0");
    flow_slaves_are(r, "layer3+4", "tcp 10.0.0.1:49155 > 198.51.100.7:443", "0");
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "policy layer3+4: imbalance 1.13"));
    /* Flow A's first frame hashes to 0x2dacaca9 (Python model). */
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "0x2dacaca9"));
    /* Header line. */
    CU_ASSERT_TRUE(g_str_has_prefix(r, "capture "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, ": 9 frames, 478 bytes, 6 flows; 2 slaves; VLAN tags taken "
                                     "as out-of-band"));
}

/* Flows are listed in order of first appearance. */
static void flows_in_order_of_appearance(void)
{
    g_autofree char *path = write_test_capture();
    g_autofree char *r = run_ok(path, 3, BOND_HASH_LAYER23, false, false);
    const char *order[] = {"tcp 10.0.0.1:49152 >", "tcp 10.0.0.1:49153 >",
                           "tcp 10.0.0.1:49154 >", "ether 00:11:22:33:44:55",
                           "tcp 10.0.0.1:49155 >", "vlan 101 tcp"};
    const char *prev = r;
    for (gsize i = 0; i < G_N_ELEMENTS(order); i++) {
        const char *at = strstr(prev, order[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(at);
        prev = at;
    }
}

static void per_frame_lines_are_exact(void)
{
    g_autofree char *path = write_test_capture();
    g_autofree char *r = run_ok(path, 2, -1, true, false);
    frame_lines_are(r, "layer2", "1 1 1 1 0 1 1 1 1");
    frame_lines_are(r, "layer2+3", "0 0 0 0 0 0 0 0 0");
    frame_lines_are(r, "layer3+4", "1 1 1 0 0 1 0 1 0");
    frame_lines_are(r, "encap2+3", "0 0 0 0 0 0 0 0 0");
    frame_lines_are(r, "encap3+4", "1 1 1 0 0 1 0 1 0");
    frame_lines_are(r, "vlan+srcmac", "1 1 1 1 1 1 1 1 0");
    g_autofree char *quiet = run_ok(path, 2, -1, false, false);
    CU_ASSERT_PTR_NULL(strstr(quiet, "frame 1 policy"));
}

/* A tag in the capture: by default out of band (VLAN device on the bond),
 * so layer3+4 hashes the inner flow (slave 0) and vlan+srcmac uses TCI 101
 * (0x335577 ^ 0x65 = 0x335512, slave 0). In band, the frame keeps its tag:
 * L2 with EtherType 0x8100 (0x8157, slave 1) for layer3+4 and layer2+3, and
 * TCI 0 for vlan+srcmac (0x335577, slave 1). */
static void vlan_inband_differs_from_oob(void)
{
    g_autofree char *path = write_test_capture();
    g_autofree char *oob = run_ok(path, 2, -1, true, false);
    g_autofree char *inb = run_ok(path, 2, -1, true, true);
    CU_ASSERT_PTR_NOT_NULL(strstr(oob, "frame 9 policy layer3+4 slave 0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(inb, "frame 9 policy layer3+4 slave 1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(oob, "frame 9 policy layer2+3 slave 0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(inb, "frame 9 policy layer2+3 slave 1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(oob, "frame 9 policy vlan+srcmac slave 0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(inb, "frame 9 policy vlan+srcmac slave 1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(oob, "0x00335512"));
    CU_ASSERT_PTR_NOT_NULL(strstr(inb, "0x00008157"));
    CU_ASSERT_PTR_NOT_NULL(strstr(inb, "VLAN tags hashed in-band, as captured"));
    /* Untagged frames are the same in both modes. */
    CU_ASSERT_PTR_NOT_NULL(strstr(inb, "frame 8 policy layer3+4 slave 1\n"));
    frame_lines_are(inb, "layer2", "1 1 1 1 0 1 1 1 1");
}

/* Every policy, in the documented order, then the summary table. */
static void all_policies_with_summary(void)
{
    g_autofree char *path = write_test_capture();
    g_autofree char *r = run_ok(path, 2, -1, false, false);
    const char *order[] = {"policy layer2: 6 flows",   "policy layer2+3: 6 flows",
                           "policy layer3+4: 6 flows", "policy encap2+3: 6 flows",
                           "policy encap3+4: 6 flows", "policy vlan+srcmac: 6 flows",
                           "imbalance by policy"};
    const char *prev = r;
    for (gsize i = 0; i < G_N_ELEMENTS(order); i++) {
        const char *at = strstr(prev, order[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(at);
        prev = at;
    }
    GPtrArray *rows = table_rows(r, "imbalance by policy (1.00 = even; 2 = all on one slave)");
    CU_ASSERT_EQUAL(rows->len, 6u);
    if (rows->len == 6) {
        CU_ASSERT_TRUE(g_str_has_prefix(rows->pdata[0], "layer2 "));
        CU_ASSERT_PTR_NOT_NULL(strstr(rows->pdata[1], "2.00")); /* layer2+3: all on 0 */
    }
    g_ptr_array_free(rows, TRUE);
    /* Same input, same bytes. */
    g_autofree char *again = run_ok(path, 2, -1, false, false);
    CU_ASSERT_STRING_EQUAL(r, again);
}

/* A pcapng file (SHB, IDB, two EPBs) is read like a pcap. */
static void reads_pcapng(void)
{
    TlBytes a = tcp_frame("192.0.2.10", 49152, 80), b = arp_frame();
    GByteArray *file = g_byte_array_new();
    uint8_t shb[28] = {0};
    put_le32(shb, 0x0A0D0D0A);
    put_le32(shb + 4, 28);
    put_le32(shb + 8, 0x1A2B3C4D);
    put_le16(shb + 12, 1);
    put_le64(shb + 16, UINT64_MAX);
    put_le32(shb + 24, 28);
    g_byte_array_append(file, shb, sizeof shb);
    uint8_t idb[20] = {0};
    put_le32(idb, 1);
    put_le32(idb + 4, 20);
    put_le16(idb + 8, 1); /* LINKTYPE_ETHERNET */
    put_le32(idb + 12, 65535);
    put_le32(idb + 16, 20);
    g_byte_array_append(file, idb, sizeof idb);
    const TlBytes *frames[] = {&a, &b};
    for (int i = 0; i < 2; i++) {
        uint32_t pad = (4 - frames[i]->len % 4) % 4, total = 32 + frames[i]->len + pad;
        uint8_t h[28] = {0}, zero[4] = {0}, tail[4];
        put_le32(h, 6);
        put_le32(h + 4, total);
        put_le32(h + 20, frames[i]->len);
        put_le32(h + 24, frames[i]->len);
        put_le32(tail, total);
        g_byte_array_append(file, h, sizeof h);
        g_byte_array_append(file, frames[i]->b, frames[i]->len);
        g_byte_array_append(file, zero, pad);
        g_byte_array_append(file, tail, 4);
    }
    g_autofree char *path = scratch_path("two.pcapng");
    CU_ASSERT_TRUE(g_file_set_contents(path, (const char *)file->data, file->len, NULL));
    g_byte_array_free(file, TRUE);
    g_autofree char *r = run_ok(path, 2, BOND_HASH_LAYER2, true, false);
    CU_ASSERT_PTR_NOT_NULL(strstr(r, ": 2 frames, 96 bytes, 2 flows;"));
    frame_lines_are(r, "layer2", "1 0");
}

static void error_is(const char *path, int slaves, int policy, int code, const char *part1,
                     const char *part2)
{
    GString *out = g_string_new("kept");
    GError *error = NULL;
    CU_ASSERT_FALSE(hash_spread_run(path, slaves, policy, false, false, out, &error));
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    CU_ASSERT_EQUAL(error->domain, HASH_SPREAD_ERROR);
    CU_ASSERT_EQUAL(error->code, code);
    gboolean ok = strstr(error->message, part1) && (part2 == NULL || strstr(error->message, part2));
    if (!ok)
        fprintf(stderr, "message: %s\n", error->message);
    CU_ASSERT_TRUE(ok);
    CU_ASSERT_STRING_EQUAL(out->str, "kept");
    g_error_free(error);
    g_string_free(out, TRUE);
}

static void other_link_type_is_refused_by_name(void)
{
    TlBytes f = tcp_frame("192.0.2.10", 1, 2);
    TlBytes ip = {0};
    tl_bytes_put(&ip, f.b + 14, f.len - 14);
    g_autofree char *path = scratch_path("raw.pcap");
    write_pcap(path, DLT_RAW, &ip, 1);
    error_is(path, 2, -1, HASH_SPREAD_ERROR_LINKTYPE, path, "(RAW) is not Ethernet");
    g_autofree char *sll = scratch_path("sll.pcap");
    write_pcap(sll, DLT_LINUX_SLL, &ip, 1);
    error_is(sll, 2, -1, HASH_SPREAD_ERROR_LINKTYPE, sll, "LINUX_SLL");
}

/* The last record cut short; a record claiming an absurd length; the file
 * header cut short; not a capture; no file. Each message names the file. */
static void damaged_files_are_errors(void)
{
    g_autofree char *path = write_test_capture();
    g_autofree char *data = NULL;
    gsize len = 0;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &data, &len, NULL));
    g_autofree char *cut = scratch_path("cut.pcap");
    CU_ASSERT_TRUE(g_file_set_contents(cut, data, (gssize)len - 10, NULL));
    error_is(cut, 2, -1, HASH_SPREAD_ERROR_READ, cut, "frame 9");
    g_autofree char *huge = scratch_path("huge.pcap");
    put_le32((uint8_t *)data + len - 58 - 16 + 8, 0x7ffffff0); /* frame 9's caplen */
    CU_ASSERT_TRUE(g_file_set_contents(huge, data, (gssize)len, NULL));
    error_is(huge, 2, -1, HASH_SPREAD_ERROR_READ, huge, "frame 9");
    g_autofree char *header = scratch_path("header.pcap");
    CU_ASSERT_TRUE(g_file_set_contents(header, data, 10, NULL));
    error_is(header, 2, -1, HASH_SPREAD_ERROR_OPEN, header, NULL);
    g_autofree char *text = scratch_path("notes.txt");
    CU_ASSERT_TRUE(g_file_set_contents(text, "this is not a capture file at all\n", -1, NULL));
    error_is(text, 2, -1, HASH_SPREAD_ERROR_OPEN, text, NULL);
    g_autofree char *missing = scratch_path("missing.pcap");
    error_is(missing, 2, -1, HASH_SPREAD_ERROR_OPEN, missing, NULL);
}

static void arguments_are_checked(void)
{
    g_autofree char *path = write_test_capture();
    error_is(path, 0, -1, HASH_SPREAD_ERROR_ARGS, "--slaves 0", "1 to 64");
    error_is(path, 65, -1, HASH_SPREAD_ERROR_ARGS, "--slaves 65", NULL);
    error_is(path, 2, 6, HASH_SPREAD_ERROR_ARGS, "--policy 6", NULL);
    error_is(path, 2, -2, HASH_SPREAD_ERROR_ARGS, "--policy -2", NULL);
    g_autofree char *one = run_ok(path, 1, BOND_HASH_LAYER34, false, false);
    spread_row_is(one, "layer3+4", 1, 0, "9", "478", "100.0%");
    CU_ASSERT_PTR_NOT_NULL(strstr(one, "imbalance 1.00"));
    g_autofree char *many = run_ok(path, 64, BOND_HASH_LAYER34, false, false);
    CU_ASSERT_PTR_NOT_NULL(strstr(many, "spread over 64 slaves"));
}

/* An empty capture: tables without rows, no division by zero. */
static void empty_capture(void)
{
    g_autofree char *path = scratch_path("empty.pcap");
    write_pcap(path, DLT_EN10MB, NULL, 0);
    g_autofree char *r = run_ok(path, 2, -1, true, false);
    CU_ASSERT_PTR_NOT_NULL(strstr(r, ": 0 frames, 0 bytes, 0 flows;"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "policy layer2: imbalance n/a (no frames)"));
}

int main(void)
{
    scratch_dir = cu_scratch_dir("hash_spread");
    CU_TestInfo cases[] = {
        {"layer2_puts_gateway_traffic_on_one_slave", layer2_puts_gateway_traffic_on_one_slave},
        {"layer34_spreads_the_flows", layer34_spreads_the_flows},
        {"flows_in_order_of_appearance", flows_in_order_of_appearance},
        {"per_frame_lines_are_exact", per_frame_lines_are_exact},
        {"vlan_inband_differs_from_oob", vlan_inband_differs_from_oob},
        {"all_policies_with_summary", all_policies_with_summary},
        {"reads_pcapng", reads_pcapng},
        {"other_link_type_is_refused_by_name", other_link_type_is_refused_by_name},
        {"damaged_files_are_errors", damaged_files_are_errors},
        {"arguments_are_checked", arguments_are_checked},
        {"empty_capture", empty_capture},
        CU_TEST_INFO_NULL,
    };
    int rc = cu_run("hash_spread", cases);
    g_free(scratch_dir);
    return rc;
}
