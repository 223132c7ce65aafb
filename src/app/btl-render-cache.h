/* btl-render-cache.h — a widget's subtree kept as one picture.
 *
 * GSK's cairo renderer (software rendering: virtual machines, remote and
 * headless sessions) walks every node of the window for every damaged
 * frame, only clipping their pixels to the damage: a new strip of the loss
 * plot (47×340 pixels) made the window walk the configuration sidebar's few
 * hundred nodes as well — rounded borders, text — 0.23 of its 0.55 ms of
 * rendering (timed on the window's own render node while training). A widget
 * whose snapshot goes through btl_render_cache_snapshot() hands GSK one
 * picture of its subtree instead. GTK calls that snapshot only when
 * something inside changed, so the picture is drawn again then and reused
 * otherwise; while the subtree changes frame after frame (an animation, a
 * blinking cursor) it is passed on as it is, and pictured once it is still. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef void (*BtlSnapshotFunc) (GtkWidget   *widget,
                                 GtkSnapshot *snapshot);

typedef struct
{
  GskRenderNode *picture;      /* of the last snapshot, or NULL */
  GtkWidget     *widget;       /* not owned; set while settle_id runs */
  gint64         last_us;      /* when the subtree last changed */
  guint          settle_id;    /* pictures the subtree once it is still */
  guint          n_pictures;   /* drawn so far (tests, benchmarks) */
} BtlRenderCache;

/* Snapshots widget's subtree with snapshot_children (the parent class's
 * snapshot, typically) and appends it to snapshot as a picture at the
 * widget's scale. */
void btl_render_cache_snapshot (BtlRenderCache  *cache,
                                GtkWidget       *widget,
                                GtkSnapshot     *snapshot,
                                BtlSnapshotFunc  snapshot_children);
/* Call from dispose. */
void btl_render_cache_clear    (BtlRenderCache  *cache);

G_END_DECLS
