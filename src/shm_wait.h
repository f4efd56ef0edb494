/*
 * shm_wait.h - how the two sides of a shm channel wait for and wake
 * each other (shm_wait.c); used by shm_channel.c only.
 */
#ifndef IPCDEMO_SHM_WAIT_H
#define IPCDEMO_SHM_WAIT_H

#include "ipcdemo.h"
#include "shm_channel.h"

/* What a side sleeps for, in its "sleeping" word. */
#define WAIT_DATA 0x1u  /* a record in the ring it reads */
#define WAIT_SPACE 0x2u /* room in the ring it writes */
#define WAIT_PEER 0x4u  /* a client (the server in accept) */
#define WAIT_ANY (WAIT_DATA | WAIT_SPACE | WAIT_PEER)

/* One line, exit 1: a peer broke the layout (STYLE §5). */
#define shm_corrupt(...) die("corrupt header: " __VA_ARGS__)

/* Tests a condition on the rings without blocking. */
typedef bool (*shm_ready_fn)(struct shm_chan *ch, uint64_t arg);

/*
 * After a seq_cst store to a ring position or the flags: wakes the peer
 * if it sleeps for any of the want bits.
 */
void shm_notify(struct shm_chan *ch, uint32_t want);

/*
 * Waits until ready(ch, arg), saying in the sleeping word that it waits
 * for what (WAIT_*); ready must load the peer's words seq_cst.  Returns
 * SHM_OK, SHM_STOPPED, SHM_PEER_LEFT or SHM_PEER_DIED.
 */
int shm_wait_for(struct shm_chan *ch, shm_ready_fn ready, uint64_t arg,
                 uint32_t what);

#endif
