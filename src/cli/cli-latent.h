/* cli-latent.h — what the latent-space and anomaly subcommands (encode,
 * decode, interpolate, anomalies; their prototypes are in cli-common.h)
 * share: turning "test:INDEX" or an image file into a model input, and
 * saving one image as PNG. */
#pragma once

#include <glib.h>

#include "btl-dataset.h"
#include "nn.h"

G_BEGIN_DECLS

/* Loads n inputs for model, each "test:INDEX" / "train:INDEX" (0-based image
 * of that half of `data`, loaded once, only when some spec asks for it) or
 * the path of a picture (centre-cropped and scaled to the model's input, see
 * btl_latent_load_input). Returns (n, input_dim) floats (g_free) or NULL with
 * an error naming the offending spec. */
float   *cli_load_inputs (NnModel            *model,
                          const char         *data,
                          const char * const *specs,
                          int                 n,
                          GError            **error);

/* Saves a (channels, height, width) image, each pixel scale×scale, as PNG,
 * atomically. */
gboolean cli_save_image_png (const char   *path,
                             const float  *x,
                             int           channels,
                             int           height,
                             int           width,
                             int           scale,
                             GError      **error);

G_END_DECLS
