/* echo.h - an IP-echo service: answers each UDP datagram with the source
 * address and port it saw, as the "what is my IP" web services do.
 *
 * A host with `service = echo-ip udp/PORT` ([host] key) has
 * Host.echo_udp_port set; host.c hands it every UDP datagram to that port.
 * The reply goes back to the datagram's source with the ports swapped and the
 * same payload, except bytes 24-29 (after the 24-byte bondsim header): the
 * IPv4 source address (4 bytes) and port (2 bytes, big-endian) the service
 * saw; the UDP checksum is 0 (none, as bondsim's IPv4 flows send). A payload
 * shorter than 30 bytes is answered with the address cut to fit. The
 * datagram also counts for its flow's receiver statistics (as a sink would).
 *
 * The sender's flow reads the reply (flow_echo_reply, from flow_deliver):
 * per datagram, the public address the far end saw; every change is logged
 * (time, old -> new) and counted. The service comments the first reply
 * showing a new source address for a flow in the capture:
 * "bondsim: egress-ip flow=NAME 203.0.113.10->203.0.113.11".
 */
#ifndef BONDSIM_TRAFFIC_ECHO_H
#define BONDSIM_TRAFFIC_ECHO_H

#include <stdint.h>

#include "frame.h"
#include "host.h"

typedef struct Sim Sim;
typedef struct Flow Flow;

#define ECHO_SEEN_OFFSET 24 /* payload offset of the seen address (after the bondsim header) */
#define ECHO_SEEN_LEN 6     /* IPv4 address and port */

/* One change of a flow's egress address as the echo service saw it. */
typedef struct {
    uint64_t time_ps; /* when the sender got the first reply showing it */
    uint8_t old_ip[4], new_ip[4];
    uint16_t old_port, new_port;
} EchoChange;

/* A datagram reached the echo service of iface's host. Takes ownership. */
void echo_udp_rx(Sim *sim, Iface *iface, Frame *f);

/* A reply of the echo service reached the flow's source. Records the seen
 * address; does not take the frame. */
void flow_echo_reply(Sim *sim, Flow *flow, const Frame *f);

#endif
