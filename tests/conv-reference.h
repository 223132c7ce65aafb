/* conv-reference.h — helpers shared by the conv tests: a layer description
 * that covers conv2d and conv_transpose2d, random and poisoned buffers, and
 * direct double-precision convolutions (forward and all gradients) to check
 * the im2col + GEMM kernels against. */
#pragma once

#include <glib.h>

#include "nn-conv.h"

typedef struct
{
  int b, ic, h, w, oc, k, s, p, op;   /* batch, channels, input size, kernel, stride, padding, output_padding */
} Geom;

int      conv_oh (const Geom *g);
int      conv_ow (const Geom *g);
int      convt_oh (const Geom *g);
int      convt_ow (const Geom *g);

/* n values uniform in [−1, 1) / n NaNs (so that a value the kernel should
 * have written but did not shows up). g_free the result. */
float   *rand_floats (GRand *rng,
                      gsize  n);
float   *poison_floats (gsize n);
/* Σ a·b in double. */
double   dot (const float *a,
              const float *b,
              gsize        n);
/* conv_fixture_assert_close against double reference values. */
void     assert_close_d (const char   *label,
                         const float  *got,
                         const double *want,
                         gsize         n,
                         double        atol,
                         double        rtol);

/* y = conv(x, w) + b and, for upstream gradient dy, dx, dw, db (overwritten). */
void     naive_conv2d (const Geom  *g,
                       const float *x,
                       const float *w,
                       const float *b,
                       const float *dy,
                       double      *y,
                       double      *dx,
                       double      *dw,
                       double      *db);
void     naive_convt (const Geom  *g,
                      const float *x,
                      const float *w,
                      const float *b,
                      const float *dy,
                      double      *y,
                      double      *dx,
                      double      *dw,
                      double      *db);

/* One layer of either kind with its tensor sizes. */
typedef struct
{
  Geom   g;
  int    transposed;
  gsize  nx, ny, nw, nb, nscratch;
} Layer;

void     layer_init (Layer      *l,
                     const Geom *g,
                     int         transposed);
void     layer_forward (const Layer *l,
                        float       *y,
                        float       *scratch,
                        const float *x,
                        const float *w,
                        const float *b);
void     layer_backward (const Layer *l,
                         float       *dx,
                         float       *dw,
                         float       *db,
                         float       *scratch,
                         const float *dy,
                         const float *x,
                         const float *w);
/* nn_conv2d_check / nn_conv_transpose2d_check accept g. */
gboolean geom_valid (const Geom *g,
                     int         transposed);
