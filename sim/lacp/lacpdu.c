/* lacpdu.c - LACPDU and Marker PDU bytes (reference 7.1, IEEE 802.1AX-2008
 * 5.4.2 and 6.5.3). Offsets below are within the 110-byte payload that
 * follows the 14-byte Ethernet header; every field is big-endian and goes
 * through util/bytes.h after a length check. */
#include "lacp/lacp.h"

#include <string.h>

#include "util/bytes.h"

const uint8_t lacp_slow_proto_mac[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x02};

enum {
    ETH_HDR = 14,
    PDU_LEN = 110,
    OFF_ACTOR_TLV = 2,
    OFF_PARTNER_TLV = 22,
    OFF_COLLECTOR_TLV = 42,
    OFF_TERMINATOR = 58,
    INFO_TLV_LEN = 20,
    COLLECTOR_TLV_LEN = 16,
    MARKER_TLV_LEN = 16,
};

static void lacp_eth_header(uint8_t *out, const uint8_t src[6], uint8_t subtype)
{
    memset(out, 0, LACP_FRAME_LEN);
    memcpy(out, lacp_slow_proto_mac, 6);
    memcpy(out + 6, src, 6);
    put_be16(out + 12, LACP_ETHERTYPE);
    out[ETH_HDR + 0] = subtype;
    out[ETH_HDR + 1] = 1; /* version */
}

/* One information TLV: type, length 20, then the fields, 3 reserved bytes. */
static void lacp_put_info(uint8_t *p, uint8_t type, const LacpInfo *in)
{
    p[0] = type;
    p[1] = INFO_TLV_LEN;
    put_be16(p + 2, in->sys_prio);
    memcpy(p + 4, in->system, 6);
    put_be16(p + 10, in->key);
    put_be16(p + 12, in->port_prio);
    put_be16(p + 14, in->port);
    p[16] = in->state;
}

static bool lacp_get_info(const uint8_t *p, uint8_t type, LacpInfo *in)
{
    if (p[0] != type || p[1] != INFO_TLV_LEN)
        return false;
    in->sys_prio = get_be16(p + 2);
    memcpy(in->system, p + 4, 6);
    in->key = get_be16(p + 10);
    in->port_prio = get_be16(p + 12);
    in->port = get_be16(p + 14);
    in->state = p[16];
    return true;
}

void lacp_lacpdu_encode(const LacpPdu *pdu, const uint8_t src[6], uint8_t *out)
{
    lacp_eth_header(out, src, LACP_SUBTYPE_LACPDU);
    uint8_t *p = out + ETH_HDR;
    lacp_put_info(p + OFF_ACTOR_TLV, 1, &pdu->actor);
    lacp_put_info(p + OFF_PARTNER_TLV, 2, &pdu->partner);
    p[OFF_COLLECTOR_TLV] = 3;
    p[OFF_COLLECTOR_TLV + 1] = COLLECTOR_TLV_LEN;
    put_be16(p + OFF_COLLECTOR_TLV + 2, pdu->collector_max_delay);
    /* terminator type 0 length 0, then 50 reserved zero bytes: memset did it */
}

void lacp_marker_encode(const LacpMarker *m, const uint8_t src[6], uint8_t *out)
{
    lacp_eth_header(out, src, LACP_SUBTYPE_MARKER);
    uint8_t *p = out + ETH_HDR;
    p[2] = m->tlv_type;
    p[3] = MARKER_TLV_LEN;
    put_be16(p + 4, m->requester_port);
    memcpy(p + 6, m->requester_system, 6);
    put_be32(p + 12, m->transaction_id);
    /* 16-17 pad, 18-19 terminator, 90 zero bytes */
}

int lacp_frame_subtype(const uint8_t *frame, size_t len)
{
    if (len < ETH_HDR + 2 || memcmp(frame, lacp_slow_proto_mac, 6) != 0 ||
        get_be16(frame + 12) != LACP_ETHERTYPE)
        return 0;
    return frame[ETH_HDR] ? frame[ETH_HDR] : -1;
}

bool lacp_lacpdu_decode(const uint8_t *frame, size_t len, LacpPdu *pdu)
{
    if (len < ETH_HDR + OFF_TERMINATOR + 2 || lacp_frame_subtype(frame, len) != 1)
        return false;
    const uint8_t *p = frame + ETH_HDR;
    if (p[1] == 0)
        return false; /* version 0 does not exist */
    if (!lacp_get_info(p + OFF_ACTOR_TLV, 1, &pdu->actor) ||
        !lacp_get_info(p + OFF_PARTNER_TLV, 2, &pdu->partner))
        return false;
    if (p[OFF_COLLECTOR_TLV] != 3 || p[OFF_COLLECTOR_TLV + 1] != COLLECTOR_TLV_LEN)
        return false;
    pdu->collector_max_delay = get_be16(p + OFF_COLLECTOR_TLV + 2);
    return true;
}

bool lacp_marker_decode(const uint8_t *frame, size_t len, LacpMarker *m)
{
    if (len < ETH_HDR + 20 || lacp_frame_subtype(frame, len) != 2)
        return false;
    const uint8_t *p = frame + ETH_HDR;
    if (p[2] != LACP_MARKER_INFO && p[2] != LACP_MARKER_RESPONSE)
        return false;
    m->tlv_type = p[2];
    m->requester_port = get_be16(p + 4);
    memcpy(m->requester_system, p + 6, 6);
    m->transaction_id = get_be32(p + 12);
    return true;
}

/* 7.3 speed codes: 10M 2, 100M 3, 1G 4, 2.5G 5, 5G 6, 10G 7, 14G 8, 20G 9,
 * 25G 10, 40G 11, 50G 12, 56G 13, 100G 14, 200G 15, 400G 16, 800G 17. */
uint16_t lacp_speed_code(uint64_t speed_bps)
{
    static const uint64_t mbps[] = {10,    100,   1000,  2500,  5000,   10000,  14000,  20000,
                                    25000, 40000, 50000, 56000, 100000, 200000, 400000, 800000};
    uint64_t m = speed_bps / 1000000;
    for (unsigned i = 0; i < sizeof(mbps) / sizeof(mbps[0]); i++)
        if (m == mbps[i])
            return (uint16_t)(i + 2);
    return 0;
}

uint16_t lacp_port_key(uint16_t user_key, uint64_t speed_bps, bool full_duplex, bool link_up)
{
    uint16_t key = (uint16_t)(user_key << 6);
    if (link_up)
        key |= (uint16_t)(lacp_speed_code(speed_bps) << 1) | (full_duplex ? 1 : 0);
    return key;
}
