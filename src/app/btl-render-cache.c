/* btl-render-cache.c — see btl-render-cache.h. */
#include "config.h"

#include <math.h>

#include "btl-render-cache.h"

/* Changes closer together than this are an animation: no pictures. */
#define BUSY_US (150 * 1000)
/* Larger subtrees are passed on as they are (a picture would cost more
 * memory than walking them costs time). */
#define MAX_PICTURE_PIXELS (16 * 1024 * 1024)

static gboolean
settle_cb (gpointer user_data)
{
  BtlRenderCache *cache = user_data;

  cache->settle_id = 0;
  /* Snapshotted again, and pictured this time. */
  gtk_widget_queue_draw (cache->widget);
  return G_SOURCE_REMOVE;
}

/* The subtree as one cairo node that paints an image of it, or NULL when it
 * is empty or too large. */
static GskRenderNode *
draw_picture (GskRenderNode *tree,
              int            scale)
{
  graphene_rect_t bounds;
  cairo_surface_t *image;
  GskRenderNode *picture;
  cairo_t *cr;
  double x0, y0, x1, y1;

  /* Whole device pixels, so that the picture lands on the pixel grid. */
  gsk_render_node_get_bounds (tree, &bounds);
  x0 = floor (bounds.origin.x * scale);
  y0 = floor (bounds.origin.y * scale);
  x1 = ceil ((bounds.origin.x + bounds.size.width) * scale);
  y1 = ceil ((bounds.origin.y + bounds.size.height) * scale);
  if (!(x1 > x0 && y1 > y0) || (x1 - x0) * (y1 - y0) > MAX_PICTURE_PIXELS)
    return NULL;
  bounds = GRAPHENE_RECT_INIT (x0 / scale, y0 / scale, (x1 - x0) / scale, (y1 - y0) / scale);

  image = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) (x1 - x0), (int) (y1 - y0));
  if (cairo_surface_status (image) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (image);
      return NULL;
    }
  cairo_surface_set_device_scale (image, scale, scale);
  cr = cairo_create (image);
  cairo_translate (cr, -bounds.origin.x, -bounds.origin.y);
  gsk_render_node_draw (tree, cr);
  cairo_destroy (cr);

  /* A cairo node keeps what is drawn into it: here, one paint of the image. */
  picture = gsk_cairo_node_new (&bounds);
  cr = gsk_cairo_node_get_draw_context (picture);
  cairo_set_source_surface (cr, image, bounds.origin.x, bounds.origin.y);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_destroy (image);
  return picture;
}

void
btl_render_cache_snapshot (BtlRenderCache  *cache,
                           GtkWidget       *widget,
                           GtkSnapshot     *snapshot,
                           BtlSnapshotFunc  snapshot_children)
{
  GtkSnapshot *scratch = gtk_snapshot_new ();
  GskRenderNode *tree;
  gint64 now = g_get_monotonic_time ();
  gboolean busy = cache->last_us != 0 && now - cache->last_us < BUSY_US;

  cache->last_us = now;
  g_clear_pointer (&cache->picture, gsk_render_node_unref);
  snapshot_children (widget, scratch);
  tree = gtk_snapshot_free_to_node (scratch);
  if (tree == NULL)
    return;

  if (!busy)
    cache->picture = draw_picture (tree, gtk_widget_get_scale_factor (widget));
  if (cache->picture != NULL)
    {
      cache->n_pictures++;
      gtk_snapshot_append_node (snapshot, cache->picture);
    }
  else
    gtk_snapshot_append_node (snapshot, tree);
  gsk_render_node_unref (tree);

  /* An animation's last frame is pictured once the subtree is still. */
  if (busy && cache->settle_id == 0)
    {
      cache->widget = widget;
      cache->settle_id = g_timeout_add (BUSY_US / 1000 + 1, settle_cb, cache);
    }
}

void
btl_render_cache_clear (BtlRenderCache *cache)
{
  g_clear_handle_id (&cache->settle_id, g_source_remove);
  g_clear_pointer (&cache->picture, gsk_render_node_unref);
  cache->widget = NULL;
  cache->last_us = 0;
}
