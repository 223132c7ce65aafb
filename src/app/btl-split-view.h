/* btl-split-view.h — an A/B comparison of two pictures of the same size:
 * A left of a draggable divider, B right of it, one zoom and pan for both
 * (they are drawn with one transform, so they can never drift apart).
 *
 * Mouse: drag the divider; drag elsewhere to pan; scroll to zoom about the
 * pointer; double-click to fit the picture again. Keys, when focused: ←/→
 * move the divider, +/− zoom, 0 fits. Zoomed in, pixels are drawn as sharp
 * squares so codec artefacts are seen as they are.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BTL_SPLIT_VIEW_MIN_ZOOM 0.25
#define BTL_SPLIT_VIEW_MAX_ZOOM 64.0

#define BTL_TYPE_SPLIT_VIEW (btl_split_view_get_type ())

G_DECLARE_FINAL_TYPE (BtlSplitView, btl_split_view, BTL, SPLIT_VIEW, GtkWidget)

GtkWidget *btl_split_view_new          (void);

/* Both may be NULL; B is drawn only when it has A's size. The view keeps
 * its zoom and pan while the size stays the same (new bits, another codec)
 * and fits the picture again when it changes. */
void       btl_split_view_set_images   (BtlSplitView *self,
                                        GdkTexture   *a,
                                        GdkTexture   *b);
/* Captions drawn in the top corners (NULL: none). */
void       btl_split_view_set_labels   (BtlSplitView *self,
                                        const char   *a,
                                        const char   *b);

/* Divider position as a fraction of the width, 0..1 (property "position"). */
void       btl_split_view_set_position (BtlSplitView *self,
                                        double        position);
double     btl_split_view_get_position (BtlSplitView *self);

/* 1 = the whole picture fits (property "zoom"). */
void       btl_split_view_set_zoom     (BtlSplitView *self,
                                        double        zoom);
double     btl_split_view_get_zoom     (BtlSplitView *self);
/* The picture point (in its pixels) shown at the centre of the view. */
void       btl_split_view_set_center   (BtlSplitView *self,
                                        double        x,
                                        double        y);
void       btl_split_view_get_center   (BtlSplitView *self,
                                        double       *x,
                                        double       *y);
void       btl_split_view_reset_view   (BtlSplitView *self);

/* Zooms by factor keeping the picture point under widget point (wx, wy)
 * fixed — what scrolling does; public for tests. */
void       btl_split_view_zoom_at      (BtlSplitView *self,
                                        double        factor,
                                        double        wx,
                                        double        wy);
/* Picture coordinates of a widget point; FALSE without a picture. */
gboolean   btl_split_view_widget_to_image (BtlSplitView *self,
                                           double        wx,
                                           double        wy,
                                           double       *ix,
                                           double       *iy);

G_END_DECLS
