/* btl-latent.h — the latent space of a model over a data set.
 *
 * A BtlLatentSpace holds the codes of n images (μ for a VAE), their
 * per-dimension statistics, the dimensions ordered by spread (for latent
 * sliders: with wide codes the interesting dimensions come first) and a 2-D
 * map of the codes: the codes themselves when the code is 2-D, otherwise their
 * first two principal components (btl-pca). It is immutable once built, so a
 * worker thread can build it and hand it to the UI.
 *
 * The free functions below interpolate codes (linear, spherical), lay out
 * traversal grids and load a picture as a model input.
 */
#pragma once

#include <gio/gio.h>

#include "btl-dataset.h"
#include "btl-model-file.h"
#include "btl-pca.h"
#include "nn.h"

G_BEGIN_DECLS

/* Slider ranges are mean ± BTL_LATENT_RANGE_SIGMAS · σ, kept within the
 * codes' [min, max] widened by BTL_LATENT_RANGE_MARGIN of its span. */
#define BTL_LATENT_RANGE_SIGMAS 3.0
#define BTL_LATENT_RANGE_MARGIN 0.1f

typedef struct
{
  int      n;          /* codes */
  int      dim;        /* latent dimensions */
  float   *codes;      /* (n, dim) */
  guint8  *labels;     /* (n) class of each code, or NULL */
  float   *mean;       /* (dim) */
  float   *std;        /* (dim) population standard deviation */
  float   *min;        /* (dim) */
  float   *max;        /* (dim) */
  int     *order;      /* (dim) dimension indices by decreasing σ (ties: lower index first) */
  BtlPca  *pca;        /* 2 principal components of the codes; NULL when dim ≤ 2 (or n < 2) */
  int      map_axes[2];/* without PCA: the code dimensions used as map x and y (-1: constant 0) */
  float   *map_xy;     /* (n, 2) map position of each code */
} BtlLatentSpace;

/* Copies n codes (n ≥ 1, dim ≥ 1) and computes everything above.
 * BTL_ERROR_INVALID for bad sizes or non-finite codes (a diverged model). */
BtlLatentSpace *btl_latent_space_new (const float   *codes,
                                      int            n,
                                      int            dim,
                                      const guint8  *labels,
                                      GError       **error);

/* Encodes the first `limit` images of ds (0 = all) with its own NnInference
 * over params/stats (NULL = the model's own buffers) and builds the space.
 * Only reads the model, so a worker thread may call it on a private copy.
 * BTL_ERROR_SHAPE when the model's input does not match the data set. */
BtlLatentSpace *btl_latent_space_encode (NnModel      *model,
                                         const float  *params,
                                         const float  *stats,
                                         BtlDataset   *ds,
                                         int           limit,
                                         GError      **error);

void            btl_latent_space_free (BtlLatentSpace *space);

/* Images the latent statistics stored in a model are taken from (the first
 * ones of the training set), in the app and in `bottleneck-cli train`. */
#define BTL_LATENT_STATS_MAX 10000

/* Per-dimension min, max, mean and population σ of the codes (μ for a VAE)
 * of the first `limit` images of ds (0 = all), over params/stats (NULL = the
 * model's own buffers), stored into info with
 * btl_model_info_set_latent_stats(): the ranges a codec quantises with.
 * Encodes in batches, streaming (no (n, dim) buffer), and checks
 * cancellable between batches (G_IO_ERROR_CANCELLED). BTL_ERROR_SHAPE for
 * a data set of another shape, BTL_ERROR_INVALID for non-finite codes (a
 * diverged model). info is left as it was on failure. */
gboolean        btl_latent_stats_compute (NnModel       *model,
                                          const float   *params,
                                          const float   *stats,
                                          BtlDataset    *ds,
                                          int            limit,
                                          GCancellable  *cancellable,
                                          BtlModelInfo  *info,
                                          GError       **error);

/* Code i: (dim) floats. */
const float    *btl_latent_space_code (const BtlLatentSpace *space,
                                       int                   i);

/* Slider range of dimension d: mean ± 3σ, clipped to [min − m, max + m]
 * with m a tenth of max − min (so a ReLU code's slider barely goes below
 * 0). A dead dimension (σ ≈ 0) gets mean ± 3·(mean σ of all dimensions)
 * instead, at least ±1e-3, so its slider is still usable. */
void            btl_latent_space_range (const BtlLatentSpace *space,
                                        int                   d,
                                        float                *lo,
                                        float                *hi);

/* Map position of one code (dim floats). */
void            btl_latent_space_to_map (const BtlLatentSpace *space,
                                         const float          *z,
                                         float                *xy);

/* The code at map position (x, y): with PCA, the inverse projection
 * mean + x·c₀ + y·c₁; otherwise the mean code with the map axes set to x, y.
 * to_map (from_map (x, y)) == (x, y). */
void            btl_latent_space_from_map (const BtlLatentSpace *space,
                                           double                x,
                                           double                y,
                                           float                *z);

/* A random code: from the prior N(0, I) when `prior` (a VAE), otherwise from
 * the per-dimension Gaussian N(mean, σ²) fitted to the codes. */
void            btl_latent_space_sample (const BtlLatentSpace *space,
                                         gboolean              prior,
                                         GRand                *rand,
                                         float                *z);

/* (1 − t)·a + t·b. */
void            btl_latent_lerp (const float *a,
                                 const float *b,
                                 int          dim,
                                 double       t,
                                 float       *out);

/* Spherical interpolation: the angle between a and b is swept evenly while the
 * length goes linearly from |a| to |b|, so the path stays in the shell where a
 * Gaussian prior puts its mass. Falls back to lerp when either is (nearly)
 * zero or they are (nearly) parallel. Exact end points at t = 0 and 1. */
void            btl_latent_slerp (const float *a,
                                  const float *b,
                                  int          dim,
                                  double       t,
                                  float       *out);

/* `steps` codes (steps ≥ 2) from a to b inclusive, evenly in t: (steps, dim). */
void            btl_latent_interpolate (const float *a,
                                        const float *b,
                                        int          dim,
                                        int          steps,
                                        gboolean     spherical,
                                        float       *out);

/* A traversal grid: ny rows × nx columns of copies of base (dim floats) where
 * column j sets dimension dim_x to x_lo … x_hi and row i sets dim_y to
 * y_lo … y_hi (evenly, both ends included; a count of 1 takes the middle).
 * dim_y < 0 gives a single row. out: (ny·nx, dim), row-major. */
void            btl_latent_traversal (const float *base,
                                      int          dim,
                                      int          dim_x,
                                      float        x_lo,
                                      float        x_hi,
                                      int          nx,
                                      int          dim_y,
                                      float        y_lo,
                                      float        y_hi,
                                      int          ny,
                                      float       *out);

/* Loads a picture (any format gdk-pixbuf reads, through btl_tiles_load_image:
 * size-checked, EXIF-oriented) as one model input: fitted like everywhere
 * else (btl_image_fit_pixbuf: centre crop to the input's aspect ratio, then
 * scaled to width×height), gray (luma) or RGB, values in [0,1]. Returns (channels·height·width) floats (g_free). */
float          *btl_latent_load_input (const char  *path,
                                       int          channels,
                                       int          height,
                                       int          width,
                                       GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtlLatentSpace, btl_latent_space_free)

G_END_DECLS
