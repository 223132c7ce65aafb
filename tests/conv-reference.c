/* conv-reference.c — shared by the conv tests: layer geometry, one wrapper
 * over conv2d / conv_transpose2d, and direct double-precision references. */
#include "conv-reference.h"

#include <math.h>
#include <string.h>

#include "conv-fixture.h"

int
conv_oh (const Geom *g)
{
  return nn_conv2d_out_size (g->h, g->k, g->s, g->p);
}

int
conv_ow (const Geom *g)
{
  return nn_conv2d_out_size (g->w, g->k, g->s, g->p);
}

int
convt_oh (const Geom *g)
{
  return nn_conv_transpose2d_out_size (g->h, g->k, g->s, g->p, g->op);
}

int
convt_ow (const Geom *g)
{
  return nn_conv_transpose2d_out_size (g->w, g->k, g->s, g->p, g->op);
}

float *
rand_floats (GRand *rng,
             gsize  n)
{
  float *v = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    v[i] = (float) g_rand_double_range (rng, -1.0, 1.0);
  return v;
}

float *
poison_floats (gsize n)
{
  float *v = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    v[i] = NAN;
  return v;
}

double
dot (const float *a,
     const float *b,
     gsize        n)
{
  double s = 0.0;

  for (gsize i = 0; i < n; i++)
    s += (double) a[i] * b[i];
  return s;
}

void
assert_close_d (const char   *label,
                const float  *got,
                const double *want,
                gsize         n,
                double        atol,
                double        rtol)
{
  g_autofree float *wf = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    wf[i] = (float) want[i];
  conv_fixture_assert_close (label, got, wf, n, atol, rtol);
}

/* ------------------------------------------------------------ direct references (double) */

void
naive_conv2d (const Geom  *g,
              const float *x,
              const float *w,
              const float *b,
              const float *dy,
              double      *y,
              double      *dx,
              double      *dw,
              double      *db)
{
  int oh = conv_oh (g), ow = conv_ow (g);

  memset (dx, 0, sizeof *dx * g->b * g->ic * g->h * g->w);
  memset (dw, 0, sizeof *dw * g->oc * g->ic * g->k * g->k);
  memset (db, 0, sizeof *db * g->oc);
  for (int n = 0; n < g->b; n++)
    for (int o = 0; o < g->oc; o++)
      for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
          {
            gsize yi = (((gsize) n * g->oc + o) * oh + i) * ow + j;
            double acc = b[o];

            for (int c = 0; c < g->ic; c++)
              for (int kh = 0; kh < g->k; kh++)
                for (int kw = 0; kw < g->k; kw++)
                  {
                    int ih = i * g->s - g->p + kh, iw = j * g->s - g->p + kw;
                    gsize xi = (((gsize) n * g->ic + c) * g->h + ih) * g->w + iw;
                    gsize wi = (((gsize) o * g->ic + c) * g->k + kh) * g->k + kw;

                    if (ih < 0 || ih >= g->h || iw < 0 || iw >= g->w)
                      continue;
                    acc += (double) x[xi] * w[wi];
                    dx[xi] += (double) dy[yi] * w[wi];
                    dw[wi] += (double) dy[yi] * x[xi];
                  }
            y[yi] = acc;
            db[o] += dy[yi];
          }
}

void
naive_convt (const Geom  *g,
             const float *x,
             const float *w,
             const float *b,
             const float *dy,
             double      *y,
             double      *dx,
             double      *dw,
             double      *db)
{
  int oh = convt_oh (g), ow = convt_ow (g);
  gsize ny = (gsize) g->b * g->oc * oh * ow;

  memset (dx, 0, sizeof *dx * g->b * g->ic * g->h * g->w);
  memset (dw, 0, sizeof *dw * g->ic * g->oc * g->k * g->k);
  memset (db, 0, sizeof *db * g->oc);
  for (gsize i = 0; i < ny; i++)
    {
      int o = (int) ((i / ((gsize) oh * ow)) % g->oc);

      y[i] = b[o];
      db[o] += dy[i];
    }
  for (int n = 0; n < g->b; n++)
    for (int c = 0; c < g->ic; c++)
      for (int i = 0; i < g->h; i++)
        for (int j = 0; j < g->w; j++)
          {
            gsize xi = (((gsize) n * g->ic + c) * g->h + i) * g->w + j;

            for (int o = 0; o < g->oc; o++)
              for (int kh = 0; kh < g->k; kh++)
                for (int kw = 0; kw < g->k; kw++)
                  {
                    int yh = i * g->s - g->p + kh, yw = j * g->s - g->p + kw;
                    gsize yi = (((gsize) n * g->oc + o) * oh + yh) * ow + yw;
                    gsize wi = (((gsize) c * g->oc + o) * g->k + kh) * g->k + kw;

                    if (yh < 0 || yh >= oh || yw < 0 || yw >= ow)
                      continue;
                    y[yi] += (double) x[xi] * w[wi];
                    dx[xi] += (double) dy[yi] * w[wi];
                    dw[wi] += (double) x[xi] * dy[yi];
                  }
          }
}

/* ------------------------------------------------------------ one layer, both kinds */

void
layer_init (Layer      *l,
            const Geom *g,
            int         transposed)
{
  l->g = *g;
  l->transposed = transposed;
  l->nx = (gsize) g->b * g->ic * g->h * g->w;
  l->nw = (gsize) g->ic * g->oc * g->k * g->k;
  l->nb = g->oc;
  if (transposed)
    {
      l->ny = (gsize) g->b * g->oc * convt_oh (g) * convt_ow (g);
      l->nscratch = nn_conv_transpose2d_scratch_floats (g->b, g->ic, g->h, g->w, g->oc,
                                                        g->k, g->s, g->p, g->op);
    }
  else
    {
      l->ny = (gsize) g->b * g->oc * conv_oh (g) * conv_ow (g);
      l->nscratch = nn_conv2d_scratch_floats (g->b, g->ic, g->h, g->w, g->oc,
                                              g->k, g->s, g->p);
    }
  g_assert_cmpuint (l->nscratch, >, 0);
}

void
layer_forward (const Layer *l,
               float       *y,
               float       *scratch,
               const float *x,
               const float *w,
               const float *b)
{
  const Geom *g = &l->g;

  if (l->transposed)
    nn_conv_transpose2d_forward (y, scratch, x, w, b, g->b, g->ic, g->h, g->w, g->oc,
                                 g->k, g->s, g->p, g->op);
  else
    nn_conv2d_forward (y, scratch, x, w, b, g->b, g->ic, g->h, g->w, g->oc,
                       g->k, g->s, g->p);
}

void
layer_backward (const Layer *l,
                float       *dx,
                float       *dw,
                float       *db,
                float       *scratch,
                const float *dy,
                const float *x,
                const float *w)
{
  const Geom *g = &l->g;

  if (l->transposed)
    nn_conv_transpose2d_backward (dx, dw, db, scratch, dy, x, w, g->b, g->ic, g->h, g->w,
                                  g->oc, g->k, g->s, g->p, g->op);
  else
    nn_conv2d_backward (dx, dw, db, scratch, dy, x, w, g->b, g->ic, g->h, g->w,
                        g->oc, g->k, g->s, g->p);
}

gboolean
geom_valid (const Geom *g,
            int         transposed)
{
  if (transposed)
    return nn_conv_transpose2d_check (g->b, g->ic, g->h, g->w, g->oc, g->k, g->s, g->p,
                                      g->op, NULL) == NN_OK;
  return nn_conv2d_check (g->b, g->ic, g->h, g->w, g->oc, g->k, g->s, g->p, NULL) == NN_OK;
}

