/* frame.h - Ethernet frames in flight and the pool they come from.
 *
 * A Frame holds the real bytes of an Ethernet frame (destination MAC first, no
 * preamble, no FCS) plus metadata the simulator carries beside the bytes: the
 * measured flow it belongs to, its sequence number and send time, and an
 * optional note that becomes a pcapng comment the first time it is captured.
 * Frames come from a FramePool: bulk-allocated chunks threaded on a free
 * list, so taking and returning a frame never calls malloc. A frame has one
 * owner at a time (a NIC queue, an in-flight event, the receiving stack);
 * handing it on transfers it, and the last owner returns it to the pool.
 */
#ifndef BONDSIM_FRAME_H
#define BONDSIM_FRAME_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define ETH_HLEN 14
#define ETH_ZLEN 60 /* minimum frame without FCS: shorter frames are padded */
#define ETH_FCS_LEN 4
#define ETH_WIRE_OVERHEAD 20 /* preamble 7 + start delimiter 1 + inter-frame gap 12 */
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_8021Q 0x8100
#define ETH_P_IPV6 0x86DD
#define ETH_P_SLOW 0x8809

#define FRAME_NO_FLOW UINT32_MAX

typedef struct Frame {
    struct Frame *next; /* free list or queue link */
    uint8_t *data;      /* frame bytes, capacity `cap` */
    uint32_t len;       /* bytes used */
    uint32_t cap;       /* bytes available */
    uint32_t flow;      /* index of the measured flow, FRAME_NO_FLOW if none */
    uint32_t wire_gen;  /* generation of the link when put on the wire */
    uint64_t seq;       /* sequence number within the flow */
    uint64_t sent_ps;   /* when the source generated it */
    const char *note;   /* borrowed comment for the next capture, or NULL */
} Frame;

typedef struct {
    Frame *free_list;   /* frames ready for use */
    GPtrArray *chunks;  /* owned bulk allocations */
    uint32_t frame_cap; /* data bytes per frame */
    uint64_t in_use;    /* frames handed out */
    uint64_t peak;      /* largest in_use seen */
    uint64_t total;     /* frames allocated in all chunks */
    uint64_t limit;     /* refuse to grow past this many frames */
    uint64_t failures;  /* frame_alloc calls refused */
} FramePool;

#define FRAME_POOL_CHUNK 4096

/* `frame_cap` bytes of data per frame (1522 covers 1500-byte MTU with a VLAN
 * tag); `limit` is the most frames that may exist at once. */
void frame_pool_init(FramePool *pool, uint32_t frame_cap, uint64_t limit);
void frame_pool_clear(FramePool *pool);

/* Returns an empty frame (len 0, no flow, no note) or NULL when the pool has
 * reached its limit (the caller counts a drop). Grows by one chunk of
 * FRAME_POOL_CHUNK frames when the free list is empty. */
Frame *frame_alloc(FramePool *pool);
void frame_free(FramePool *pool, Frame *f);
/* A copy of bytes and metadata (the note is not copied); NULL when the pool
 * is exhausted. */
Frame *frame_clone(FramePool *pool, const Frame *f);

/* Pads the frame with zeros to the Ethernet minimum of 60 bytes. */
void frame_pad(Frame *f);

/* Bits on the wire for a frame of `len` bytes: padding to 60, FCS, preamble,
 * start delimiter and inter-frame gap included. */
static inline uint64_t frame_wire_bits(uint32_t len)
{
    uint32_t l = len < ETH_ZLEN ? ETH_ZLEN : len;
    return (uint64_t)(l + ETH_FCS_LEN + ETH_WIRE_OVERHEAD) * 8u;
}

/* Serialisation time in ps at `rate_bps`, rounded to the nearest ps: 1514
 * bytes at 1 Gb/s = 12 304 000 ps (12.304 us). */
static inline uint64_t frame_tx_time_ps(uint32_t len, uint64_t rate_bps)
{
    uint64_t bits = frame_wire_bits(len);
    return (bits * UINT64_C(1000000000000) + rate_bps / 2) / rate_bps;
}

static inline uint16_t frame_ethertype(const Frame *f)
{
    return (uint16_t)((f->data[12] << 8) | f->data[13]);
}

static inline bool mac_is_multicast(const uint8_t *mac)
{
    return (mac[0] & 1) != 0;
}

static inline bool mac_is_broadcast(const uint8_t *mac)
{
    return (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xff;
}

static inline bool mac_equal(const uint8_t *a, const uint8_t *b)
{
    return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3] && a[4] == b[4] &&
           a[5] == b[5];
}

#endif
