/* test_capture.c - the capture writer: pcapng block layout read back byte by
 * byte, tshark reading the same file (when installed), byte-identical
 * reruns, temporary files removed on abort and on errors, and classic pcap
 * files read back through libpcap.
 */
/* libpcap's headers use the BSD types u_char and u_int (see capture.c). */
#define _DEFAULT_SOURCE 1

#include "capture/capture.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cu_run.h"
#include "testlib.h"
#include "util/bytes.h"

#ifndef BONDSIM_VERSION
#define BONDSIM_VERSION "dev" /* as capture.c without the build's definition */
#endif

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 1u
#define BT_NRB 4u
#define BT_ISB 5u
#define BT_EPB 6u

/* ------------------------------------------------------------------------
 * Frames: real Ethernet / IPv4 / UDP with correct checksums
 * ------------------------------------------------------------------------ */

static const uint8_t MAC_SERVER[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t MAC_CLIENT[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t IP_SERVER[4] = {10, 0, 0, 1};
static const uint8_t IP_CLIENT[4] = {10, 0, 0, 2};

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += get_be16(p + i);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Writes a frame of 14 + 20 + 8 + payload_len bytes into `f`; returns it. */
static size_t make_udp_frame(uint8_t *f, const uint8_t src_ip[4], const uint8_t dst_ip[4],
                             uint16_t ip_id, size_t payload_len)
{
    memcpy(f, MAC_CLIENT, 6);
    memcpy(f + 6, MAC_SERVER, 6);
    put_be16(f + 12, 0x0800);
    uint8_t *ip = f + 14, *udp = ip + 20;
    size_t udp_len = 8 + payload_len;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put_be16(ip + 2, (uint16_t)(20 + udp_len));
    put_be16(ip + 4, ip_id);
    put_be16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, src_ip, 4);
    memcpy(ip + 16, dst_ip, 4);
    put_be16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    put_be16(udp, 40000);
    put_be16(udp + 2, 5001);
    put_be16(udp + 4, (uint16_t)udp_len);
    put_be16(udp + 6, 0);
    for (size_t i = 0; i < payload_len; i++)
        udp[8 + i] = (uint8_t)(i * 7 + ip_id);
    uint8_t pseudo[12] = {0};
    memcpy(pseudo, src_ip, 4);
    memcpy(pseudo + 4, dst_ip, 4);
    pseudo[9] = 17;
    put_be16(pseudo + 10, (uint16_t)udp_len);
    uint16_t c = csum_fold(csum_add(csum_add(0, pseudo, 12), udp, udp_len));
    put_be16(udp + 6, c ? c : 0xFFFF);
    return 14 + 20 + udp_len;
}

/* ------------------------------------------------------------------------
 * The sample capture written by several tests
 * ------------------------------------------------------------------------ */

typedef struct {
    int ifindex;
    uint64_t time_ps;
    CaptureDir dir;
    const char *comment;
    const char *tshark_dir; /* what tshark prints: no epb_flags, no field */
} SamplePacket;

static const char *const SAMPLE_IF_NAMES[3] = {"server/eth0", "server/eth1", "server/bond0"};
static const char *const SAMPLE_IF_DESCS[3] = {"slave of bond0, active-backup, primary",
                                               "slave of bond0, active-backup", NULL};
static const uint64_t SAMPLE_IF_SPEEDS[3] = {UINT64_C(10000000000), UINT64_C(1000000000), 0};

/* Times straddle 2^32 ns (4.29 s) so the high timestamp word is exercised;
 * picoseconds below a nanosecond are dropped. */
static const SamplePacket SAMPLE_PACKETS[] = {
    {0, UINT64_C(1234567890123), CAPTURE_DIR_OUT, "first frame, primary slave", "0x00000002"},
    {1, UINT64_C(4294967296999), CAPTURE_DIR_IN, NULL, "0x00000001"},
    {2, UINT64_C(5000000001500), CAPTURE_DIR_UNKNOWN, "seen on bond0", ""},
    {0, UINT64_C(9876543210987), CAPTURE_DIR_IN, "reply", "0x00000001"},
};
#define N_SAMPLE_PACKETS G_N_ELEMENTS(SAMPLE_PACKETS)
#define SAMPLE_PAYLOAD 32
#define SAMPLE_FRAME_LEN (14 + 20 + 8 + SAMPLE_PAYLOAD)
#define SAMPLE_END_PS UINT64_C(10000000000000)

static const CaptureIfStats SAMPLE_STATS[3] = {{100, 1, 2}, {200, 3, 4}, {300, 5, 6}};

static void sample_frame(size_t i, uint8_t *frame)
{
    const uint8_t *src = (i % 2) ? IP_CLIENT : IP_SERVER;
    const uint8_t *dst = (i % 2) ? IP_SERVER : IP_CLIENT;
    make_udp_frame(frame, src, dst, (uint16_t)(i + 1), SAMPLE_PAYLOAD);
}

static void write_sample(const char *path)
{
    GError *err = NULL;
    Capture *cap = capture_new(CAPTURE_PCAPNG, path, 0, "bondsim unit test", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
    for (int i = 0; i < 3; i++) {
        const uint8_t *mac = i == 2 ? NULL : (i == 0 ? MAC_SERVER : MAC_CLIENT);
        int idx = capture_add_interface(cap, SAMPLE_IF_NAMES[i], SAMPLE_IF_DESCS[i], mac,
                                        SAMPLE_IF_SPEEDS[i]);
        CU_ASSERT_EQUAL(idx, i);
    }
    capture_add_ipv4_name(cap, IP_SERVER, "server");
    capture_add_ipv4_name(cap, IP_CLIENT, "client");
    for (size_t i = 0; i < N_SAMPLE_PACKETS; i++) {
        const SamplePacket *sp = &SAMPLE_PACKETS[i];
        uint8_t frame[SAMPLE_FRAME_LEN];
        sample_frame(i, frame);
        capture_packet(cap, sp->ifindex, sp->time_ps, frame, sizeof frame, sp->dir, sp->comment);
    }
    CU_ASSERT_EQUAL(capture_packet_count(cap), N_SAMPLE_PACKETS);
    CU_ASSERT_TRUE(capture_finish(cap, SAMPLE_STATS, SAMPLE_END_PS, &err));
    CU_ASSERT_PTR_NULL(err);
    g_clear_error(&err);
}

/* ------------------------------------------------------------------------
 * Reading pcapng back
 * ------------------------------------------------------------------------ */

typedef struct {
    uint32_t type;
    uint32_t len;
    const uint8_t *p; /* the whole block, from the type field */
} Block;

/* Splits the file into blocks, asserting each is framed correctly. */
static GArray *split_blocks(const uint8_t *data, size_t size)
{
    GArray *blocks = g_array_new(FALSE, FALSE, sizeof(Block));
    size_t off = 0;
    while (off < size) {
        CU_ASSERT_FATAL(size - off >= 12);
        Block b = {get_le32(data + off), get_le32(data + off + 4), data + off};
        CU_ASSERT_FATAL(b.len >= 12 && b.len % 4 == 0 && b.len <= size - off);
        CU_ASSERT_EQUAL(get_le32(b.p + b.len - 4), b.len); /* trailing length */
        g_array_append_val(blocks, b);
        off += b.len;
    }
    CU_ASSERT_EQUAL(off, size);
    return blocks;
}

/* Finds option `code` in the options starting at `opt_off`; checks the list
 * is well formed and ends with opt_endofopt just before the trailer. */
static const uint8_t *find_opt(const Block *b, size_t opt_off, uint16_t code, uint16_t *len)
{
    const uint8_t *found = NULL;
    size_t off = opt_off, end = b->len - 4;
    while (off + 4 <= end) {
        uint16_t c = (uint16_t)(b->p[off] | b->p[off + 1] << 8);
        uint16_t l = (uint16_t)(b->p[off + 2] | b->p[off + 3] << 8);
        if (c == 0) {
            CU_ASSERT_EQUAL(l, 0);
            CU_ASSERT_EQUAL(off + 4, end);
            return found;
        }
        CU_ASSERT_FATAL(off + 4 + l <= end);
        if (c == code && found == NULL) {
            found = b->p + off + 4;
            *len = l;
        }
        off += 4 + ((l + 3u) & ~3u);
    }
    CU_ASSERT_EQUAL(off, end); /* no options at all */
    return found;
}

static void assert_opt_str(const Block *b, size_t opt_off, uint16_t code, const char *want)
{
    uint16_t len = 0;
    const uint8_t *v = find_opt(b, opt_off, code, &len);
    if (want == NULL) {
        CU_ASSERT_PTR_NULL(v);
        return;
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(len, strlen(want));
    CU_ASSERT_EQUAL(memcmp(v, want, len), 0);
}

static uint64_t opt_u64(const Block *b, size_t opt_off, uint16_t code)
{
    uint16_t len = 0;
    const uint8_t *v = find_opt(b, opt_off, code, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(len, 8);
    return ((uint64_t)get_le32(v + 4) << 32) | get_le32(v);
}

static uint64_t block_ts(const Block *b, size_t off)
{
    return ((uint64_t)get_le32(b->p + off) << 32) | get_le32(b->p + off + 4);
}

static void check_shb(const Block *b)
{
    CU_ASSERT_EQUAL(b->type, BT_SHB);
    CU_ASSERT_EQUAL(get_le32(b->p + 8), 0x1A2B3C4Du);
    CU_ASSERT_EQUAL(b->p[12] | b->p[13] << 8, 1); /* major */
    CU_ASSERT_EQUAL(b->p[14] | b->p[15] << 8, 0); /* minor */
    CU_ASSERT_EQUAL(get_le32(b->p + 16), 0xFFFFFFFFu);
    CU_ASSERT_EQUAL(get_le32(b->p + 20), 0xFFFFFFFFu);
    assert_opt_str(b, 24, 1, "bondsim unit test");
    assert_opt_str(b, 24, 4, "bondsim " BONDSIM_VERSION);
    uint16_t len;
    CU_ASSERT_PTR_NULL(find_opt(b, 24, 2, &len)); /* no shb_hardware */
    CU_ASSERT_PTR_NULL(find_opt(b, 24, 3, &len)); /* no shb_os */
}

static void check_idb(const Block *b, int i, uint32_t snaplen)
{
    CU_ASSERT_EQUAL(b->type, BT_IDB);
    CU_ASSERT_EQUAL(b->p[8] | b->p[9] << 8, 1); /* LINKTYPE_ETHERNET */
    CU_ASSERT_EQUAL(get_le32(b->p + 12), snaplen);
    assert_opt_str(b, 16, 2, SAMPLE_IF_NAMES[i]);
    assert_opt_str(b, 16, 3, SAMPLE_IF_DESCS[i]);
    uint16_t len = 0;
    const uint8_t *mac = find_opt(b, 16, 6, &len);
    if (i == 2) {
        CU_ASSERT_PTR_NULL(mac);
        CU_ASSERT_PTR_NULL(find_opt(b, 16, 8, &len)); /* speed 0: left out */
    } else {
        CU_ASSERT_PTR_NOT_NULL_FATAL(mac);
        CU_ASSERT_EQUAL(len, 6);
        CU_ASSERT_EQUAL(memcmp(mac, i == 0 ? MAC_SERVER : MAC_CLIENT, 6), 0);
        CU_ASSERT_EQUAL(opt_u64(b, 16, 8), SAMPLE_IF_SPEEDS[i]);
    }
    const uint8_t *tsresol = find_opt(b, 16, 9, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tsresol);
    CU_ASSERT_EQUAL(len, 1);
    CU_ASSERT_EQUAL(tsresol[0], 9);
}

static void check_nrb(const Block *b)
{
    CU_ASSERT_EQUAL(b->type, BT_NRB);
    const uint8_t *r = b->p + 8;
    static const char *const names[2] = {"server", "client"};
    const uint8_t *addrs[2] = {IP_SERVER, IP_CLIENT};
    for (int i = 0; i < 2; i++) {
        uint16_t type = (uint16_t)(r[0] | r[1] << 8), len = (uint16_t)(r[2] | r[3] << 8);
        CU_ASSERT_EQUAL(type, 1);
        CU_ASSERT_EQUAL(len, 4 + strlen(names[i]) + 1);
        CU_ASSERT_EQUAL(memcmp(r + 4, addrs[i], 4), 0);
        CU_ASSERT_STRING_EQUAL((const char *)r + 8, names[i]);
        r += 4 + ((len + 3u) & ~3u);
    }
    CU_ASSERT_EQUAL(get_le32(r), 0); /* nrb_record_end */
    CU_ASSERT_EQUAL((size_t)(r + 4 - b->p), b->len - 4);
}

static void check_epb(const Block *b, size_t i)
{
    const SamplePacket *sp = &SAMPLE_PACKETS[i];
    CU_ASSERT_EQUAL(b->type, BT_EPB);
    CU_ASSERT_EQUAL(get_le32(b->p + 8), (uint32_t)sp->ifindex);
    CU_ASSERT_EQUAL(block_ts(b, 12), sp->time_ps / 1000);
    CU_ASSERT_EQUAL(get_le32(b->p + 20), SAMPLE_FRAME_LEN);
    CU_ASSERT_EQUAL(get_le32(b->p + 24), SAMPLE_FRAME_LEN);
    uint8_t frame[SAMPLE_FRAME_LEN];
    sample_frame(i, frame);
    CU_ASSERT_EQUAL(memcmp(b->p + 28, frame, sizeof frame), 0);
    size_t opt_off = 28 + ((SAMPLE_FRAME_LEN + 3u) & ~3u);
    assert_opt_str(b, opt_off, 1, sp->comment);
    uint16_t len = 0;
    const uint8_t *flags = find_opt(b, opt_off, 2, &len);
    if (sp->dir == CAPTURE_DIR_UNKNOWN) {
        CU_ASSERT_PTR_NULL(flags);
        return;
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(flags);
    CU_ASSERT_EQUAL(len, 4);
    CU_ASSERT_EQUAL(get_le32(flags), sp->dir == CAPTURE_DIR_IN ? 1u : 2u);
}

static void check_isb(const Block *b, uint32_t i)
{
    CU_ASSERT_EQUAL(b->type, BT_ISB);
    CU_ASSERT_EQUAL(get_le32(b->p + 8), i);
    CU_ASSERT_EQUAL(block_ts(b, 12), SAMPLE_END_PS / 1000);
    uint16_t len = 0;
    const uint8_t *end = find_opt(b, 20, 3, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(end);
    CU_ASSERT_EQUAL(len, 8);
    /* isb_endtime is high word then low word, like the block's timestamp */
    CU_ASSERT_EQUAL(((uint64_t)get_le32(end) << 32) | get_le32(end + 4), SAMPLE_END_PS / 1000);
    CU_ASSERT_EQUAL(opt_u64(b, 20, 4), SAMPLE_STATS[i].rx_frames);
    CU_ASSERT_EQUAL(opt_u64(b, 20, 5), SAMPLE_STATS[i].rx_drops);
    CU_ASSERT_EQUAL(opt_u64(b, 20, 7), SAMPLE_STATS[i].tx_drops);
}

static GBytes *read_all(const char *path)
{
    char *data = NULL;
    gsize size = 0;
    GError *err = NULL;
    gboolean ok = g_file_get_contents(path, &data, &size, &err);
    CU_ASSERT_TRUE(ok);
    if (!ok) {
        g_error_free(err);
        return g_bytes_new(NULL, 0);
    }
    return g_bytes_new_take(data, size);
}

static char *scratch_file(const char *name)
{
    return tl_scratch_file("capture", name);
}

/* ------------------------------------------------------------------------
 * Tests: pcapng layout
 * ------------------------------------------------------------------------ */

static void test_pcapng_blocks_read_back(void)
{
    g_autofree char *path = scratch_file("sample.pcapng");
    write_sample(path);
    g_autofree char *tmp = g_strconcat(path, ".tmp", NULL);
    CU_ASSERT_FALSE(g_file_test(tmp, G_FILE_TEST_EXISTS));

    GBytes *bytes = read_all(path);
    gsize size;
    const uint8_t *data = g_bytes_get_data(bytes, &size);
    GArray *blocks = split_blocks(data, size);
    /* SHB, 3 IDB, NRB, 4 EPB, 3 ISB */
    CU_ASSERT_EQUAL_FATAL(blocks->len, 1 + 3 + 1 + N_SAMPLE_PACKETS + 3);
    const Block *b = (const Block *)(void *)blocks->data;
    check_shb(&b[0]);
    for (int i = 0; i < 3; i++)
        check_idb(&b[1 + i], i, 262144);
    check_nrb(&b[4]);
    for (size_t i = 0; i < N_SAMPLE_PACKETS; i++)
        check_epb(&b[5 + i], i);
    for (uint32_t i = 0; i < 3; i++)
        check_isb(&b[5 + N_SAMPLE_PACKETS + i], i);
    g_array_unref(blocks);
    g_bytes_unref(bytes);
}

static void test_pcapng_truncates_to_snaplen(void)
{
    g_autofree char *path = scratch_file("snap.pcapng");
    GError *err = NULL;
    Capture *cap = capture_new(CAPTURE_PCAPNG, path, 64, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
    capture_add_interface(cap, "a/eth0", NULL, NULL, 0);
    uint8_t frame[200];
    size_t len = make_udp_frame(frame, IP_SERVER, IP_CLIENT, 9, 100);
    capture_packet(cap, 0, 1000, frame, (uint32_t)len, CAPTURE_DIR_UNKNOWN, NULL);
    CU_ASSERT_TRUE_FATAL(capture_finish(cap, NULL, 2000, &err));

    GBytes *bytes = read_all(path);
    gsize size = 0;
    const uint8_t *data = g_bytes_get_data(bytes, &size);
    GArray *blocks = split_blocks(data, size);
    CU_ASSERT_EQUAL_FATAL(blocks->len, 4); /* SHB IDB EPB ISB */
    const Block *b = (const Block *)(void *)blocks->data;
    CU_ASSERT_EQUAL(get_le32(b[1].p + 12), 64); /* IDB snaplen */
    CU_ASSERT_EQUAL(b[2].type, BT_EPB);
    CU_ASSERT_EQUAL(get_le32(b[2].p + 20), 64);  /* captured */
    CU_ASSERT_EQUAL(get_le32(b[2].p + 24), len); /* original */
    CU_ASSERT_EQUAL(b[2].len, 28 + 64 + 4);      /* no options */
    CU_ASSERT_EQUAL(memcmp(b[2].p + 28, frame, 64), 0);
    CU_ASSERT_EQUAL(b[3].type, BT_ISB);
    CU_ASSERT_EQUAL(block_ts(&b[3], 12), 2);
    g_array_unref(blocks);
    g_bytes_unref(bytes);
}

/* An interface added after the first packet still gets its IDB before its
 * first packet. */
static void test_pcapng_late_interface_gets_idb(void)
{
    g_autofree char *path = scratch_file("late.pcapng");
    /* an absurd snaplen is clamped to libpcap's maximum, 262144 */
    Capture *cap = capture_new(CAPTURE_PCAPNG, path, UINT32_MAX, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
    uint8_t frame[SAMPLE_FRAME_LEN];
    sample_frame(0, frame);
    CU_ASSERT_EQUAL(capture_add_interface(cap, "a", NULL, NULL, 0), 0);
    capture_packet(cap, 0, 1000, frame, sizeof frame, CAPTURE_DIR_OUT, NULL);
    CU_ASSERT_EQUAL(capture_add_interface(cap, "b", NULL, NULL, 0), 1);
    capture_packet(cap, 1, 2000, frame, sizeof frame, CAPTURE_DIR_IN, NULL);
    CU_ASSERT_TRUE_FATAL(capture_finish(cap, NULL, 3000, NULL));

    GBytes *bytes = read_all(path);
    gsize size = 0;
    const uint8_t *data = g_bytes_get_data(bytes, &size);
    GArray *blocks = split_blocks(data, size);
    static const uint32_t want[] = {BT_SHB, BT_IDB, BT_EPB, BT_IDB, BT_EPB, BT_ISB, BT_ISB};
    CU_ASSERT_EQUAL_FATAL(blocks->len, G_N_ELEMENTS(want));
    for (guint i = 0; i < blocks->len; i++)
        CU_ASSERT_EQUAL(g_array_index(blocks, Block, i).type, want[i]);
    CU_ASSERT_EQUAL(get_le32(g_array_index(blocks, Block, 1).p + 12), 262144);
    g_array_unref(blocks);
    g_bytes_unref(bytes);
}

/* ------------------------------------------------------------------------
 * Tests: tshark
 * ------------------------------------------------------------------------ */

/* Runs tshark with `args` (after "tshark -r path"); returns stdout. tshark
 * run as root (as in CI) warns about it on stderr; nothing else may appear
 * there. */
static char *run_tshark(const char *path, const char *const *args)
{
    TlRun r = tl_tshark_r(path, args);
    CU_ASSERT_TRUE_FATAL(r.code != -1); /* started, and exited */
    CU_ASSERT_EQUAL(r.code, 0);
    gboolean clean = tl_tshark_stderr_clean(r.err);
    CU_ASSERT_TRUE(clean);
    if (!clean)
        fprintf(stderr, "tshark stderr: %s", r.err);
    char *out = g_steal_pointer(&r.out);
    tl_run_clear(&r);
    return out;
}

static gboolean have_tshark(void)
{
    g_autofree char *p = g_find_program_in_path("tshark");
    if (p == NULL)
        fprintf(stderr, "  (tshark not on PATH: skipped)\n");
    return p != NULL;
}

static void test_tshark_reads_names_comments_directions(void)
{
    if (!have_tshark())
        return;
    g_autofree char *path = scratch_file("tshark.pcapng");
    write_sample(path);
    static const char *const args[] = {"-T", "fields",
                                       "-E", "occurrence=f",
                                       "-e", "frame.interface_name",
                                       "-e", "frame.comment",
                                       "-e", "frame.packet_flags_direction",
                                       NULL};
    g_autofree char *out = run_tshark(path, args);
    char **lines = g_strsplit(out, "\n", -1);
    CU_ASSERT_EQUAL_FATAL(g_strv_length(lines), N_SAMPLE_PACKETS + 1); /* last is "" */
    for (size_t i = 0; i < N_SAMPLE_PACKETS; i++) {
        const SamplePacket *sp = &SAMPLE_PACKETS[i];
        g_autofree char *want = g_strdup_printf("%s\t%s\t%s", SAMPLE_IF_NAMES[sp->ifindex],
                                                sp->comment ? sp->comment : "", sp->tshark_dir);
        CU_ASSERT_STRING_EQUAL(lines[i], want);
        if (strcmp(lines[i], want) != 0)
            fprintf(stderr, "tshark line %zu: got '%s', want '%s'\n", i, lines[i], want);
    }
    g_strfreev(lines);
}

/* The NRB names are used when network name resolution is on (no DNS). */
static void test_tshark_uses_nrb_names(void)
{
    if (!have_tshark())
        return;
    g_autofree char *path = scratch_file("nrb.pcapng");
    write_sample(path);
    static const char *const args[] = {
        "-N", "n",           "-o", "nameres.use_external_name_resolver:FALSE",
        "-T", "fields",      "-e", "ip.src_host",
        "-e", "ip.dst_host", "-c", "1",
        NULL};
    g_autofree char *out = run_tshark(path, args);
    CU_ASSERT_STRING_EQUAL(out, "server\tclient\n");
}

static void test_tshark_expert_finds_no_errors(void)
{
    if (!have_tshark())
        return;
    g_autofree char *path = scratch_file("expert.pcapng");
    write_sample(path);
    static const char *const args[] = {"-q", "-z", "expert", NULL};
    g_autofree char *out = run_tshark(path, args);
    CU_ASSERT_PTR_NULL(strstr(out, "Errors ("));
    CU_ASSERT_PTR_NULL(strstr(out, "Warnings ("));
    CU_ASSERT_PTR_NULL(strstr(out, "Malformed"));
    if (strstr(out, "Errors (") != NULL || strstr(out, "Warnings (") != NULL)
        fprintf(stderr, "%s", out);
}

/* ------------------------------------------------------------------------
 * Tests: determinism, atomic outputs, errors
 * ------------------------------------------------------------------------ */

static void test_same_content_gives_same_bytes(void)
{
    g_autofree char *dir = cu_scratch_dir("capture");
    g_autofree char *a = g_build_filename(dir, "a.pcapng", NULL);
    g_autofree char *b = g_build_filename(dir, "b.pcapng", NULL);
    write_sample(a);
    write_sample(b);
    GBytes *ba = read_all(a), *bb = read_all(b);
    CU_ASSERT_TRUE(g_bytes_get_size(ba) > 0);
    CU_ASSERT_TRUE(g_bytes_equal(ba, bb));
    g_bytes_unref(ba);
    g_bytes_unref(bb);
}

static guint dir_entries(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    guint n = 0;
    while (g_dir_read_name(d) != NULL)
        n++;
    g_dir_close(d);
    return n;
}

static void test_abort_leaves_no_file(void)
{
    g_autofree char *dir = cu_scratch_dir("capture");
    g_autofree char *path = g_build_filename(dir, "aborted.pcapng", NULL);
    g_autofree char *pcaps = g_build_filename(dir, "pcaps", NULL);
    Capture *ng = capture_new(CAPTURE_PCAPNG, path, 0, NULL, NULL);
    Capture *pc = capture_new(CAPTURE_PCAP, pcaps, 0, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ng);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
    uint8_t frame[SAMPLE_FRAME_LEN];
    sample_frame(0, frame);
    capture_add_interface(ng, "h/eth0", NULL, NULL, 0);
    capture_add_interface(pc, "h/eth0", NULL, NULL, 0);
    capture_packet(ng, 0, 1000, frame, sizeof frame, CAPTURE_DIR_OUT, "x");
    capture_packet(pc, 0, 1000, frame, sizeof frame, CAPTURE_DIR_OUT, "x");
    CU_ASSERT_EQUAL(dir_entries(pcaps), 1); /* the .tmp while running */
    capture_abort(ng);
    capture_abort(pc);
    capture_abort(NULL);
    /* the pcaps directory was made by capture_new: it goes too */
    CU_ASSERT_EQUAL(dir_entries(dir), 0);
    CU_ASSERT_FALSE(g_file_test(pcaps, G_FILE_TEST_EXISTS));

    /* A directory that was there before is left alone. */
    CU_ASSERT_EQUAL_FATAL(g_mkdir(pcaps, 0755), 0);
    pc = capture_new(CAPTURE_PCAP, pcaps, 0, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
    capture_add_interface(pc, "h/eth0", NULL, NULL, 0);
    capture_abort(pc);
    CU_ASSERT_TRUE(g_file_test(pcaps, G_FILE_TEST_IS_DIR));
    CU_ASSERT_EQUAL(dir_entries(pcaps), 0);
}

static void test_new_fails_on_missing_directory(void)
{
    GError *err = NULL;
    Capture *cap = capture_new(CAPTURE_PCAPNG, "/nonexistent-dir/x.pcapng", 0, NULL, &err);
    CU_ASSERT_PTR_NULL(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_TRUE(g_error_matches(err, CAPTURE_ERROR, err->code));
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "/nonexistent-dir/x.pcapng"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, g_strerror(ENOENT)));
    g_clear_error(&err);
    CU_ASSERT_FALSE(g_file_test("/nonexistent-dir", G_FILE_TEST_EXISTS));
}

static void test_pcap_dir_that_is_a_file_fails(void)
{
    g_autofree char *path = scratch_file("plain-file");
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, "x", 1, NULL));
    g_autofree char *sub = g_build_filename(path, "sub", NULL);
    GError *err = NULL;
    CU_ASSERT_PTR_NULL(capture_new(CAPTURE_PCAP, sub, 0, NULL, &err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_EQUAL(err->domain, CAPTURE_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, sub));
    g_clear_error(&err);
}

/* The final name is taken by a directory: the rename fails, finish says so
 * and the temporary file is gone. */
static void test_finish_rename_failure_removes_tmp(void)
{
    g_autofree char *dir = cu_scratch_dir("capture");
    g_autofree char *path = g_build_filename(dir, "taken.pcapng", NULL);
    CU_ASSERT_EQUAL_FATAL(g_mkdir(path, 0755), 0);
    Capture *cap = capture_new(CAPTURE_PCAPNG, path, 0, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
    capture_add_interface(cap, "h/eth0", NULL, NULL, 0);
    GError *err = NULL;
    CU_ASSERT_FALSE(capture_finish(cap, NULL, 0, &err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_EQUAL(err->domain, CAPTURE_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, path));
    g_clear_error(&err);
    CU_ASSERT_EQUAL(dir_entries(dir), 1); /* the directory, no .tmp */
}

/* A write error (ENOSPC from /dev/full) is kept and reported at finish. */
static void test_write_error_reported_at_finish(void)
{
    if (!g_file_test("/dev/full", G_FILE_TEST_EXISTS))
        return;
    g_autofree char *dir = cu_scratch_dir("capture");
    g_autofree char *path = g_build_filename(dir, "full.pcapng", NULL);
    g_autofree char *tmp = g_strconcat(path, ".tmp", NULL);
    CU_ASSERT_EQUAL_FATAL(symlink("/dev/full", tmp), 0);
    Capture *cap = capture_new(CAPTURE_PCAPNG, path, 0, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
    capture_add_interface(cap, "h/eth0", NULL, NULL, 0);
    static uint8_t big[60000];
    for (int i = 0; i < 40; i++) /* more than the 1 MiB buffer */
        capture_packet(cap, 0, (uint64_t)i * 1000, big, sizeof big, CAPTURE_DIR_OUT, NULL);
    GError *err = NULL;
    CU_ASSERT_FALSE(capture_finish(cap, NULL, 0, &err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, tmp));
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, g_strerror(ENOSPC)));
    g_clear_error(&err);
    CU_ASSERT_EQUAL(dir_entries(dir), 0); /* symlink removed, nothing renamed */
}

static void test_none_does_nothing(void)
{
    GError *err = NULL;
    Capture *cap = capture_new(CAPTURE_NONE, NULL, 0, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
    /* -1: "not captured", so callers never call capture_packet at all */
    CU_ASSERT_EQUAL(capture_add_interface(cap, "a", NULL, NULL, 0), -1);
    CU_ASSERT_EQUAL(capture_add_interface(cap, "b", NULL, NULL, 0), -1);
    capture_add_ipv4_name(cap, IP_SERVER, "server");
    CU_ASSERT_EQUAL(capture_packet_count(cap), 0);
    CU_ASSERT_TRUE(capture_finish(cap, NULL, 0, &err));
    CU_ASSERT_PTR_NULL(err);
}

/* ------------------------------------------------------------------------
 * Tests: classic pcap through libpcap
 * ------------------------------------------------------------------------ */

typedef struct {
    int ifindex;
    uint64_t time_ps;
    size_t payload;
} PcapPacket;

static const PcapPacket PCAP_PACKETS[] = {
    {0, UINT64_C(1500000007123), 18},   /* 60 bytes: under the snaplen */
    {1, UINT64_C(2000000000000), 100},  /* 142 bytes: truncated to 64 */
    {0, UINT64_C(61999999999999), 100}, /* 61.999999999 s */
};

static void check_pcap_file(const char *path, int ifindex)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(pcap_datalink(p), DLT_EN10MB);
    CU_ASSERT_EQUAL(pcap_snapshot(p), 64);
    CU_ASSERT_EQUAL(pcap_get_tstamp_precision(p), PCAP_TSTAMP_PRECISION_NANO);
    struct pcap_pkthdr *h;
    const u_char *data;
    for (size_t i = 0; i < G_N_ELEMENTS(PCAP_PACKETS); i++) {
        const PcapPacket *pp = &PCAP_PACKETS[i];
        if (pp->ifindex != ifindex)
            continue;
        CU_ASSERT_EQUAL_FATAL(pcap_next_ex(p, &h, &data), 1);
        uint8_t frame[200];
        size_t len = make_udp_frame(frame, IP_SERVER, IP_CLIENT, (uint16_t)i, pp->payload);
        uint64_t ns = pp->time_ps / 1000;
        CU_ASSERT_EQUAL((uint64_t)h->ts.tv_sec, ns / 1000000000u);
        CU_ASSERT_EQUAL((uint64_t)h->ts.tv_usec, ns % 1000000000u);
        CU_ASSERT_EQUAL(h->len, len);
        CU_ASSERT_EQUAL(h->caplen, len < 64 ? len : 64);
        CU_ASSERT_EQUAL(memcmp(data, frame, h->caplen), 0);
    }
    CU_ASSERT_EQUAL(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK); /* end of file */
    pcap_close(p);
}

static void test_pcap_one_file_per_interface(void)
{
    g_autofree char *dir = cu_scratch_dir("capture");
    g_autofree char *out = g_build_filename(dir, "pcaps", "run1", NULL); /* not there yet */
    GError *err = NULL;
    Capture *cap = capture_new(CAPTURE_PCAP, out, 64, "dropped in pcap", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
    CU_ASSERT_EQUAL(capture_add_interface(cap, "server/eth0", "d", MAC_SERVER, 1000), 0);
    CU_ASSERT_EQUAL(capture_add_interface(cap, "client/eth0", NULL, NULL, 0), 1);
    for (size_t i = 0; i < G_N_ELEMENTS(PCAP_PACKETS); i++) {
        uint8_t frame[200];
        size_t len =
            make_udp_frame(frame, IP_SERVER, IP_CLIENT, (uint16_t)i, PCAP_PACKETS[i].payload);
        capture_packet(cap, PCAP_PACKETS[i].ifindex, PCAP_PACKETS[i].time_ps, frame, (uint32_t)len,
                       CAPTURE_DIR_OUT, "comment dropped");
    }
    CU_ASSERT_EQUAL(capture_packet_count(cap), G_N_ELEMENTS(PCAP_PACKETS));
    CU_ASSERT_TRUE_FATAL(capture_finish(cap, NULL, 0, &err));

    CU_ASSERT_EQUAL(dir_entries(out), 2); /* no .tmp left */
    g_autofree char *f0 = g_build_filename(out, "server_eth0.pcap", NULL);
    g_autofree char *f1 = g_build_filename(out, "client_eth0.pcap", NULL);
    check_pcap_file(f0, 0);
    check_pcap_file(f1, 1);
}

/* "a/b" and "a_b" would share a file: reported at finish, nothing left. */
static void test_pcap_name_clash_fails(void)
{
    g_autofree char *dir = cu_scratch_dir("capture");
    Capture *cap = capture_new(CAPTURE_PCAP, dir, 0, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
    capture_add_interface(cap, "a/b", NULL, NULL, 0);
    capture_add_interface(cap, "a_b", NULL, NULL, 0);
    GError *err = NULL;
    CU_ASSERT_FALSE(capture_finish(cap, NULL, 0, &err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "a_b.pcap"));
    g_clear_error(&err);
    CU_ASSERT_EQUAL(dir_entries(dir), 0);
}

/* Classic pcap: the second interface's final name is taken by a directory.
 * Its rename fails after the first file was renamed; that file is removed
 * too, so no partial set of captures is left. */
static void test_pcap_rename_failure_leaves_no_file(void)
{
    g_autofree char *dir = cu_scratch_dir("capture");
    g_autofree char *taken = g_build_filename(dir, "h_eth1.pcap", NULL);
    CU_ASSERT_EQUAL_FATAL(g_mkdir(taken, 0755), 0);
    Capture *cap = capture_new(CAPTURE_PCAP, dir, 0, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
    capture_add_interface(cap, "h/eth0", NULL, NULL, 0);
    capture_add_interface(cap, "h/eth1", NULL, NULL, 0);
    uint8_t frame[SAMPLE_FRAME_LEN];
    sample_frame(0, frame);
    capture_packet(cap, 0, 1000, frame, sizeof frame, CAPTURE_DIR_OUT, NULL);
    capture_packet(cap, 1, 2000, frame, sizeof frame, CAPTURE_DIR_IN, NULL);
    GError *err = NULL;
    CU_ASSERT_FALSE(capture_finish(cap, NULL, 0, &err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, taken));
    g_clear_error(&err);
    g_autofree char *first = g_build_filename(dir, "h_eth0.pcap", NULL);
    CU_ASSERT_FALSE(g_file_test(first, G_FILE_TEST_EXISTS));
    CU_ASSERT_EQUAL(dir_entries(dir), 1); /* the directory in the way, no .tmp */
}

static CU_TestInfo cases[] = {
    {"pcapng_blocks_read_back", test_pcapng_blocks_read_back},
    {"pcapng_truncates_to_snaplen", test_pcapng_truncates_to_snaplen},
    {"pcapng_late_interface_gets_idb", test_pcapng_late_interface_gets_idb},
    {"tshark_reads_names_comments_directions", test_tshark_reads_names_comments_directions},
    {"tshark_uses_nrb_names", test_tshark_uses_nrb_names},
    {"tshark_expert_finds_no_errors", test_tshark_expert_finds_no_errors},
    {"same_content_gives_same_bytes", test_same_content_gives_same_bytes},
    {"abort_leaves_no_file", test_abort_leaves_no_file},
    {"new_fails_on_missing_directory", test_new_fails_on_missing_directory},
    {"pcap_dir_that_is_a_file_fails", test_pcap_dir_that_is_a_file_fails},
    {"finish_rename_failure_removes_tmp", test_finish_rename_failure_removes_tmp},
    {"write_error_reported_at_finish", test_write_error_reported_at_finish},
    {"none_does_nothing", test_none_does_nothing},
    {"pcap_one_file_per_interface", test_pcap_one_file_per_interface},
    {"pcap_name_clash_fails", test_pcap_name_clash_fails},
    {"pcap_rename_failure_leaves_no_file", test_pcap_rename_failure_leaves_no_file},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cu_run("capture", cases);
}
