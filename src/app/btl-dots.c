/* btl-dots.c — see btl-dots.h. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "btl-dots.h"

/* Sub-pixel positions of a dot's centre: a disc for each quarter pixel. */
#define SUB 4
/* Samples per pixel side when measuring a disc's coverage. */
#define SAMPLES 8

typedef struct
{
  int     size;                          /* sprites are size × size */
  int     half;                          /* centre's pixel in the sprite */
  guint8 *cov[SUB * SUB];                /* coverage 0 … 255 */
} Sprites;

static void
sprites_init (Sprites *s,
              double   radius)
{
  s->half = (int) ceil (radius) + 1;
  s->size = 2 * s->half + 2;
  for (int sy = 0; sy < SUB; sy++)
    for (int sx = 0; sx < SUB; sx++)
      {
        guint8 *c = g_new (guint8, (gsize) s->size * s->size);
        /* The centre sits (sx + 0.5) / SUB into pixel (half, half). */
        double cx = s->half + (sx + 0.5) / SUB, cy = s->half + (sy + 0.5) / SUB;

        for (int py = 0; py < s->size; py++)
          for (int px = 0; px < s->size; px++)
            {
              int inside = 0;

              for (int j = 0; j < SAMPLES; j++)
                for (int i = 0; i < SAMPLES; i++)
                  {
                    double dx = px + (i + 0.5) / SAMPLES - cx;
                    double dy = py + (j + 0.5) / SAMPLES - cy;

                    inside += dx * dx + dy * dy <= radius * radius;
                  }
              c[py * s->size + px] = (guint8) ((inside * 255 + SAMPLES * SAMPLES / 2) / (SAMPLES * SAMPLES));
            }
        s->cov[sy * SUB + sx] = c;
      }
}

static void
sprites_clear (Sprites *s)
{
  for (int i = 0; i < SUB * SUB; i++)
    g_free (s->cov[i]);
}

void
btl_dots_draw (cairo_surface_t             *image,
               const double                *xy,
               const guint8                *colour_of,
               int                          n,
               const GdkRGBA               *colours,
               int                          n_colours,
               double                       alpha,
               double                       radius,
               const cairo_rectangle_int_t *clip)
{
  int width, height, stride, x0, y0, x1, y1;
  guint8 *data, *mask;
  Sprites sprites;

  g_return_if_fail (cairo_image_surface_get_format (image) == CAIRO_FORMAT_ARGB32);
  if (n <= 0 || n_colours <= 0 || !(radius > 0) || !(alpha > 0))
    return;

  cairo_surface_flush (image);
  width = cairo_image_surface_get_width (image);
  height = cairo_image_surface_get_height (image);
  stride = cairo_image_surface_get_stride (image);
  data = cairo_image_surface_get_data (image);
  x0 = MAX (clip->x, 0);
  y0 = MAX (clip->y, 0);
  x1 = MIN (clip->x + clip->width, width);
  y1 = MIN (clip->y + clip->height, height);
  if (x1 <= x0 || y1 <= y0)
    return;

  sprites_init (&sprites, radius);
  mask = g_new (guint8, (gsize) width * height);
  for (int c = 0; c < n_colours; c++)
    {
      int bx0 = x1, by0 = y1, bx1 = x0, by1 = y0;
      double a = CLAMP (alpha * colours[c].alpha, 0, 1);
      /* The colour premultiplied at full coverage, in 0 … 255. */
      double r = 255.0 * a * colours[c].red, g = 255.0 * a * colours[c].green;
      double b = 255.0 * a * colours[c].blue, aa = 255.0 * a;

      /* The union of this colour's dots: each pixel keeps its largest coverage. */
      for (int i = 0; i < n; i++)
        {
          double x = xy[2 * i], y = xy[2 * i + 1];
          int ix, iy, ox, oy;
          const guint8 *sprite;

          if ((colour_of != NULL ? colour_of[i] : 0) != c || !isfinite (x) || !isfinite (y)
              || x < x0 - radius - 1 || x > x1 + radius + 1 || y < y0 - radius - 1 || y > y1 + radius + 1)
            continue;
          ix = (int) floor (x);
          iy = (int) floor (y);
          sprite = sprites.cov[CLAMP ((int) ((y - iy) * SUB), 0, SUB - 1) * SUB
                               + CLAMP ((int) ((x - ix) * SUB), 0, SUB - 1)];
          ox = ix - sprites.half;
          oy = iy - sprites.half;
          if (bx0 > bx1)
            memset (mask, 0, (gsize) width * height);
          for (int py = MAX (0, y0 - oy); py < MIN (sprites.size, y1 - oy); py++)
            {
              guint8 *row = mask + (gsize) (oy + py) * width + ox;
              const guint8 *srow = sprite + py * sprites.size;

              for (int px = MAX (0, x0 - ox); px < MIN (sprites.size, x1 - ox); px++)
                if (srow[px] > row[px])
                  row[px] = srow[px];
            }
          bx0 = MIN (bx0, MAX (x0, ox));
          by0 = MIN (by0, MAX (y0, oy));
          bx1 = MAX (bx1, MIN (x1, ox + sprites.size));
          by1 = MAX (by1, MIN (y1, oy + sprites.size));
        }
      if (bx0 >= bx1 || by0 >= by1)
        continue;

      /* OVER, premultiplied: dst = src·cov + dst·(1 − a·cov). */
      for (int y = by0; y < by1; y++)
        {
          guint32 *dst = (guint32 *) (data + (gsize) y * stride);
          const guint8 *m = mask + (gsize) y * width;

          for (int x = bx0; x < bx1; x++)
            {
              double k, keep;
              guint32 d;

              if (m[x] == 0)
                continue;
              k = m[x] / 255.0;
              keep = 1.0 - aa * k / 255.0;
              d = dst[x];
              dst[x] = ((guint32) lround (aa * k + (d >> 24) * keep) << 24)
                       | ((guint32) lround (r * k + ((d >> 16) & 0xff) * keep) << 16)
                       | ((guint32) lround (g * k + ((d >> 8) & 0xff) * keep) << 8)
                       | (guint32) lround (b * k + (d & 0xff) * keep);
            }
        }
    }
  g_free (mask);
  sprites_clear (&sprites);
  cairo_surface_mark_dirty (image);
}
