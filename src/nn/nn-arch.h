/* nn-arch.h — the architecture string, parsed (engine-internal).
 *
 * Two spellings (see NnConfig.arch):
 *   dense  "784-512-128-32"       widths; the first is the input dim C·H·W
 *   conv   "c16k3s2,c32k3s2,d32"  cN kK sS [pP] convolutions, then dN dense
 *                                 layers; the last item is the code
 * Only the ENCODER is written down; the decoder mirrors it (dense layers in
 * reverse, each conv mirrored by a transposed conv whose output_padding makes
 * it reproduce the conv's input size exactly).
 */
#pragma once

#include <stdbool.h>

#include "nn.h"

#define NN_ARCH_LAYERS_MAX 32

typedef enum
{
  NN_ARCH_DENSE,
  NN_ARCH_CONV,
} NnArchLayerType;

/* One encoder layer with the shapes it sees. */
typedef struct
{
  NnArchLayerType type;
  int in_c, in_h, in_w;      /* input (dense: in_c = features, in_h = in_w = 1) */
  int out_c, out_h, out_w;   /* output */
  int k, stride, pad;        /* conv only */
  int out_pad;               /* conv only: output_padding of the mirrored transposed conv */
} NnArchLayer;

typedef struct
{
  bool        has_conv;
  int         n_layers;                    /* encoder layers */
  NnArchLayer layers[NN_ARCH_LAYERS_MAX];
  int         input_dim;                   /* C·H·W */
  int         latent_dim;                  /* features of the last layer */
} NnArch;

/* Parses text. When in_c/in_h/in_w are all > 0 it also works out every shape
 * and checks the architecture against that input (NN_ERR_SHAPE on a
 * mismatch); with any of them <= 0 it checks the grammar only. */
NnStatus nn_arch_parse (NnArch     *arch,
                        const char *text,
                        int         in_c,
                        int         in_h,
                        int         in_w,
                        NnError    *err);
