/* btl-dots.h — many small dots rasterised straight into an image.
 *
 * The latent map draws up to 10,000 dots; as cairo arcs (one path per class,
 * filled at once) that took ~60 ms of the window's thread for every new
 * encoding while a model trains and for every size of a window being
 * resized. Stamping precomputed discs into a coverage mask per colour and
 * blending the mask once gives the same picture (a colour's overlapping dots
 * do not darken each other, as with one fill) in a few milliseconds. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Draws the dots (x, y in the image's device pixels) of radius radius
 * (device pixels) into image (CAIRO_FORMAT_ARGB32), colour by colour in
 * order: dot i in colours[colour_of[i]] (colour_of NULL: all in colours[0])
 * at alpha over what is there. Dots with a non-finite position are skipped;
 * pixels outside clip are left alone. */
void btl_dots_draw (cairo_surface_t             *image,
                    const double                *xy,
                    const guint8                *colour_of,
                    int                          n,
                    const GdkRGBA               *colours,
                    int                          n_colours,
                    double                       alpha,
                    double                       radius,
                    const cairo_rectangle_int_t *clip);

G_END_DECLS
