/*
 * shm_segment.h - a shm channel in a System V segment (SPEC §4.4).
 *
 * How the memory of shm_channel.h is obtained with shmget/shmat, and
 * the rules of SPEC §3 around it: the server creates the segment (and
 * in sem mode a two-semaphore set under the same key) with IPC_EXCL,
 * owner-only unless told otherwise, registered for cleanup; a segment
 * left by a crashed server is reported with the command that removes
 * it, or reclaimed with --force; a segment that is not a channel of
 * ours is never touched.  The client only attaches and never removes.
 */
#ifndef IPCDEMO_SHM_SEGMENT_H
#define IPCDEMO_SHM_SEGMENT_H

#include <sys/types.h>
#include <stdbool.h>

#include "shm_channel.h"

struct shm_segment {
	key_t key;
	int shmid;
	int semid; /* -1 unless sem mode */
	void *base;
	size_t size; /* shm_segsz, the truth the header is checked against */
	enum shm_sync sync;
};

/*
 * Server: creates, attaches and formats the segment for key (IPC_PRIVATE
 * works too, e.g. for bench), and the semaphore set in sem mode, and
 * publishes the header.  Everything is registered with the cleanup
 * list.  Dies with one line when the key is taken: by a running server,
 * by a stale channel (unless force, which removes it and goes on), or
 * by something that is not ours.
 */
void shm_segment_create(struct shm_segment *seg, key_t key, size_t size,
                        enum shm_sync sync, mode_t mode, bool force);

/*
 * Client: finds and attaches the server's segment and checks its
 * header (and semaphore set).  Dies with one line when there is no
 * server, no permission, or the segment is not a channel.
 */
void shm_segment_attach(struct shm_segment *seg, key_t key);

/*
 * A shm_peer_check_fn: the peer is there while the segment exists and
 * is attached twice (shm_nattch), which also catches a dead peer whose
 * PID has been reused.  arg is the struct shm_segment.
 */
bool shm_segment_peer_check(struct shm_chan *ch, void *arg, char *why,
                            size_t len);

/* "ipcrm -m ID" (with "-s ID" in sem mode): what removes seg's objects. */
const char *shm_segment_removal(const struct shm_segment *seg);

/* The shm_params for a channel over seg. */
struct shm_params shm_segment_params(struct shm_segment *seg, long spin_us);

#endif
