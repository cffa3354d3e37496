/* capture.h - the simulator's capture output: one pcapng file holding every
 * interface, or one classic pcap file per interface (through libpcap).
 *
 * Called by sim.c (interfaces are registered while the topology is built, then
 * frames are handed in as they cross NICs and bonds). Owns its output files.
 * Files are written under a temporary name and renamed by capture_finish();
 * capture_abort() removes them (and a pcap directory capture_new made), so a
 * failed run leaves no partial output.
 * Timestamps are given in picoseconds and written with nanosecond resolution.
 * Invariant: every interface is added before the first packet.
 */
#ifndef BONDSIM_CAPTURE_CAPTURE_H
#define BONDSIM_CAPTURE_CAPTURE_H

#include <glib.h>
#include <stdint.h>

typedef enum {
    CAPTURE_PCAPNG = 0, /* one file, every interface, comments, NRB, ISB */
    CAPTURE_PCAP = 1,   /* one classic file per interface, via libpcap */
    CAPTURE_NONE = 2,
} CaptureFormat;

typedef enum {
    CAPTURE_DIR_UNKNOWN = 0,
    CAPTURE_DIR_IN = 1,  /* received by the interface */
    CAPTURE_DIR_OUT = 2, /* sent by the interface */
} CaptureDir;

/* Per-interface counters written into the pcapng Interface Statistics Block at
 * the end (isb_ifrecv, isb_ifdrop, isb_osdrop) and shown by Wireshark in
 * Capture File Properties. */
typedef struct {
    uint64_t rx_frames; /* isb_ifrecv */
    uint64_t rx_drops;  /* isb_ifdrop: dropped on receive */
    uint64_t tx_drops;  /* isb_osdrop: dropped by the OS / queue on send */
} CaptureIfStats;

typedef struct Capture Capture;

#define CAPTURE_ERROR (capture_error_quark())
GQuark capture_error_quark(void);

/* Opens the output. For CAPTURE_PCAPNG, `path` is the final file name (e.g.
 * "out/capture.pcapng"). For CAPTURE_PCAP, `path` is a directory and each
 * interface gets "<path>/<name with '/' replaced by '_'>.pcap". `snaplen` 0
 * means 262144. `shb_comment` (may be NULL) goes in the section header; the
 * writer also puts "bondsim <version>" in shb_userappl. Returns NULL and sets
 * `error` when the output cannot be created. Caller owns the result and must
 * end it with capture_finish() or capture_abort(). */
Capture *capture_new(CaptureFormat format, const char *path, uint32_t snaplen,
                     const char *shb_comment, GError **error);

/* Registers an interface; returns its index (0, 1, ...), or -1 for
 * CAPTURE_NONE (nothing will be recorded: callers skip the capture call).
 * `name` is like "server/eth0", `description` like "slave of bond0, active-backup, primary"
 * (may be NULL), `mac` may be NULL, `speed_bps` 0 = unknown. Strings copied. */
int capture_add_interface(Capture *cap, const char *name, const char *description,
                          const uint8_t mac[6], uint64_t speed_bps);

/* Adds an IPv4 name record (address in network byte order as 4 bytes). */
void capture_add_ipv4_name(Capture *cap, const uint8_t addr[4], const char *name);
/* Adds an IPv6 name record (nrb_record_ipv6: 16 bytes, network order). */
void capture_add_ipv6_name(Capture *cap, const uint8_t addr[16], const char *name);

/* Records one frame. `comment` may be NULL; it is copied into the block
 * (pcapng only; ignored for classic pcap); a comment holding newlines is
 * written as one comment per line. Hot path: no allocation beyond the
 * stdio buffer, frames longer than snaplen are truncated (orig_len kept). */
void capture_packet(Capture *cap, int ifindex, uint64_t time_ps, const uint8_t *data, uint32_t len,
                    CaptureDir dir, const char *comment);

/* Writes the statistics blocks (stats has one entry per interface, in index
 * order, or is NULL), flushes, closes and renames the temporary files to their
 * final names. `end_time_ps` is the simulation end. Frees `cap` in every case;
 * on error the temporary files are removed. */
gboolean capture_finish(Capture *cap, const CaptureIfStats *stats, uint64_t end_time_ps,
                        GError **error);

/* Removes the temporary files and frees `cap`. NULL is allowed. */
void capture_abort(Capture *cap);

/* Number of frames recorded so far (all interfaces). */
uint64_t capture_packet_count(const Capture *cap);

#endif
