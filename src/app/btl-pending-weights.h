/* btl-pending-weights.h — the newest weights a hidden page was handed.
 *
 * The Latent and Inspect pages follow every snapshot the trainer publishes,
 * but decoding and encoding for a page nobody looks at only takes frames from
 * the window: while hidden they keep the newest weights here and take them
 * up when shown (map). The configuration is copied, as the trainer's model
 * may be gone by then. Inline, like btl-app-hold.h, so pages compiled into
 * tests need nothing more.
 */
#pragma once

#include "btl-dataset.h"
#include "nn.h"

G_BEGIN_DECLS

typedef struct
{
  NnConfig    cfg;
  NnSnapshot *snap;   /* NULL: nothing pending */
  BtlDataset *train;  /* NULL for a page that needs none */
  BtlDataset *test;
} BtlPendingWeights;

static inline void
btl_pending_weights_clear (BtlPendingWeights *p)
{
  g_clear_pointer (&p->snap, nn_snapshot_unref);
  g_clear_pointer (&p->train, btl_dataset_unref);
  g_clear_pointer (&p->test, btl_dataset_unref);
}

/* Replaces what p holds (references taken before the old ones go). */
static inline void
btl_pending_weights_hold (BtlPendingWeights *p,
                          const NnConfig    *cfg,
                          NnSnapshot        *snap,
                          BtlDataset        *train,
                          BtlDataset        *test)
{
  BtlPendingWeights old = *p;

  p->cfg = *cfg;
  p->snap = nn_snapshot_ref (snap);
  p->train = train != NULL ? btl_dataset_ref (train) : NULL;
  p->test = test != NULL ? btl_dataset_ref (test) : NULL;
  btl_pending_weights_clear (&old);
}

/* Moves what p holds into *out (clear it after use); FALSE when empty. */
static inline gboolean
btl_pending_weights_take (BtlPendingWeights *p,
                          BtlPendingWeights *out)
{
  if (p->snap == NULL)
    return FALSE;
  *out = *p;
  p->snap = NULL;
  p->train = p->test = NULL;
  return TRUE;
}

G_END_DECLS
