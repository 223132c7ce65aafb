/* btl-image-grid.h — originals above their reconstructions.
 *
 * Each image is a column pair: the original on top, its reconstruction (or,
 * with "show-difference", a heat map of |x − x̂|) underneath, its label
 * below. Tiles are scaled with nearest-neighbour filtering to fill the
 * widget; the tooltip gives each image's PSNR. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BTL_TYPE_IMAGE_GRID (btl_image_grid_get_type ())

G_DECLARE_FINAL_TYPE (BtlImageGrid, btl_image_grid, BTL, IMAGE_GRID, GtkWidget)

/* Upper bound on n·channels·height·width accepted by set_images. */
#define BTL_IMAGE_GRID_MAX_VALUES (64 * 1024 * 1024)

GtkWidget *btl_image_grid_new                (void);

/* originals and recons are (n, channels·height·width), CHW, values in [0, 1];
 * both are copied. recons may be NULL (originals only); n = 0 clears. */
void       btl_image_grid_set_images         (BtlImageGrid       *self,
                                              const float        *originals,
                                              const float        *recons,
                                              int                 n,
                                              int                 channels,
                                              int                 height,
                                              int                 width);
/* n labels (a NULL entry ends the list early); NULL removes them. Copied. */
void       btl_image_grid_set_labels         (BtlImageGrid       *self,
                                              const char *const  *labels);

void       btl_image_grid_set_show_difference (BtlImageGrid      *self,
                                               gboolean           show_difference);
gboolean   btl_image_grid_get_show_difference (BtlImageGrid      *self);

int        btl_image_grid_get_n_images       (BtlImageGrid       *self);
/* PSNR (dB) of image i against its reconstruction; NaN without one. */
double     btl_image_grid_get_psnr           (BtlImageGrid       *self,
                                              int                 index);
/* The image whose tiles or label are under (x, y) in widget coordinates, or -1. */
int        btl_image_grid_index_at           (BtlImageGrid       *self,
                                              double              x,
                                              double              y);

/* Label index as drawn at the widget's size: its lines joined by "\n", with
 * "…" after them where it was cut; *width gets its widest line and *room the
 * most a label may take there (the column pitch less a gap), in pixels. For
 * tests (and checks that names show whole). */
char      *btl_image_grid_dup_shown_label    (BtlImageGrid       *self,
                                              int                 index,
                                              double             *width,
                                              double             *room);

/* Keeps room under each original for its reconstruction before there is
 * one (shown as a faint empty tile), so the first reconstructions fill the
 * grid in instead of laying it out again (the Train page's grid). */
void       btl_image_grid_set_reserve_bottom (BtlImageGrid       *self,
                                              gboolean            reserve);

/* How many times the part that stays while training (caption, originals,
 * labels) was drawn: new reconstructions of the same images must not redraw
 * it. For tests. */
guint      btl_image_grid_get_n_fixed_draws  (BtlImageGrid       *self);

/* One CHW image (values in [0, 1]) as an RGB24 surface, one pixel per
 * image pixel: the tiles this widget draws, for other views of images. */
cairo_surface_t *btl_image_grid_tile_new     (const float        *x,
                                              int                 channels,
                                              int                 height,
                                              int                 width);

/* PNG at 2× pixel density, written atomically. */
gboolean   btl_image_grid_export_png         (BtlImageGrid       *self,
                                              const char         *path,
                                              GError            **error);

G_END_DECLS
