/* nn-arch.c — parsing and checking the architecture string. */
#include "nn-arch.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Generous limits that keep every buffer index inside an int. */
#define MAX_UNITS    (1 << 20)
#define MAX_CHANNELS 4096
#define MAX_KERNEL   31
#define MAX_STRIDE   16
#define MAX_TENSOR   (1 << 24)   /* floats per sample in any layer */

/* Reads a positive decimal at *p (no sign, no spaces); advances *p. */
static bool
read_int (const char **p,
          int         *out)
{
  long v = 0;

  if (!isdigit ((unsigned char) **p))
    return false;
  while (isdigit ((unsigned char) **p))
    {
      v = v * 10 + (**p - '0');
      if (v > INT_MAX / 2)
        return false;
      (*p)++;
    }
  *out = (int) v;
  return true;
}

static NnStatus
parse_dense_form (NnArch     *arch,
                  const char *text,
                  int        *first,
                  NnError    *err)
{
  const char *p = text;
  int n = 0;
  int prev = 0;

  for (;;)
    {
      int v;

      if (!read_int (&p, &v) || v < 1 || v > MAX_UNITS)
        return nn_error_set (err, NN_ERR_INVALID,
                             "arch \"%s\": expected a width between 1 and %d at position %d",
                             text, MAX_UNITS, (int) (p - text) + 1);
      if (n == 0)
        *first = v;
      else
        {
          NnArchLayer *l;

          if (n > NN_ARCH_LAYERS_MAX)
            return nn_error_set (err, NN_ERR_INVALID,
                                 "arch \"%s\": more than %d layers", text,
                                 NN_ARCH_LAYERS_MAX);
          if ((long long) prev * v > INT_MAX / 4)
            return nn_error_set (err, NN_ERR_INVALID,
                                 "arch \"%s\": layer %d→%d is too large", text, prev, v);
          l = &arch->layers[n - 1];
          memset (l, 0, sizeof *l);
          l->type = NN_ARCH_DENSE;
          l->in_c = prev;
          l->in_h = l->in_w = 1;
          l->out_c = v;
          l->out_h = l->out_w = 1;
        }
      prev = v;
      n++;
      if (*p == '\0')
        break;
      if (*p != '-')
        return nn_error_set (err, NN_ERR_INVALID,
                             "arch \"%s\": unexpected '%c' at position %d (widths are separated by '-')",
                             text, *p, (int) (p - text) + 1);
      p++;
    }
  if (n < 2)
    return nn_error_set (err, NN_ERR_INVALID,
                         "arch \"%s\": needs the input width and at least one layer, e.g. 784-32",
                         text);
  arch->n_layers = n - 1;
  arch->input_dim = *first;
  arch->latent_dim = prev;
  return NN_OK;
}

/* Reads "<letter><int>" at *p when the letter matches; false if absent. */
static bool
read_tagged (const char **p,
             char         tag,
             int         *out,
             bool        *bad)
{
  if (**p != tag)
    return false;
  (*p)++;
  if (!read_int (p, out))
    *bad = true;
  return true;
}

static NnStatus
parse_conv_form (NnArch     *arch,
                 const char *text,
                 NnError    *err)
{
  const char *p = text;
  int n = 0;
  bool seen_dense = false;

  for (;;)
    {
      const char *item = p;
      NnArchLayer *l;
      bool bad = false;
      int item_len;

      item_len = (int) strcspn (item, ",");
      if (n >= NN_ARCH_LAYERS_MAX)
        return nn_error_set (err, NN_ERR_INVALID, "arch \"%s\": more than %d layers",
                             text, NN_ARCH_LAYERS_MAX);
      l = &arch->layers[n];
      memset (l, 0, sizeof *l);

      if (*p == 'c')
        {
          int c = 0, k = 0, s = 1, pad = -1;

          if (seen_dense)
            return nn_error_set (err, NN_ERR_INVALID,
                                 "arch \"%s\": item %d \"%.*s\": convolutions must come before dense layers",
                                 text, n + 1, item_len, item);
          read_tagged (&p, 'c', &c, &bad);
          if (!read_tagged (&p, 'k', &k, &bad))
            bad = true;
          read_tagged (&p, 's', &s, &bad);
          read_tagged (&p, 'p', &pad, &bad);
          if (bad || (*p != ',' && *p != '\0'))
            return nn_error_set (err, NN_ERR_INVALID,
                                 "arch \"%s\": item %d \"%.*s\" is not cNkKsS[pP] (e.g. c16k3s2)",
                                 text, n + 1, item_len, item);
          if (pad < 0)
            pad = k / 2;
          if (c < 1 || c > MAX_CHANNELS || k < 1 || k > MAX_KERNEL
              || s < 1 || s > MAX_STRIDE || pad >= k)
            return nn_error_set (err, NN_ERR_INVALID,
                                 "arch \"%s\": item %d \"%.*s\": need 1 ≤ channels ≤ %d, "
                                 "1 ≤ kernel ≤ %d, 1 ≤ stride ≤ %d, 0 ≤ padding < kernel",
                                 text, n + 1, item_len, item, MAX_CHANNELS, MAX_KERNEL,
                                 MAX_STRIDE);
          l->type = NN_ARCH_CONV;
          l->out_c = c;
          l->k = k;
          l->stride = s;
          l->pad = pad;
          arch->has_conv = true;
        }
      else if (*p == 'd')
        {
          int d = 0;

          read_tagged (&p, 'd', &d, &bad);
          if (bad || (*p != ',' && *p != '\0') || d < 1 || d > MAX_UNITS)
            return nn_error_set (err, NN_ERR_INVALID,
                                 "arch \"%s\": item %d \"%.*s\" is not dN with 1 ≤ N ≤ %d (e.g. d32)",
                                 text, n + 1, item_len, item, MAX_UNITS);
          l->type = NN_ARCH_DENSE;
          l->out_c = d;
          l->out_h = l->out_w = 1;
          seen_dense = true;
        }
      else
        return nn_error_set (err, NN_ERR_INVALID,
                             "arch \"%s\": item %d \"%.*s\" must start with 'c' (convolution) or 'd' (dense)",
                             text, n + 1, item_len, item);
      n++;
      if (*p == '\0')
        break;
      p++;   /* ',' */
    }
  arch->n_layers = n;
  return NN_OK;
}

/* Works out every shape of a conv-form arch for a C×H×W input. */
static NnStatus
resolve_shapes (NnArch     *arch,
                const char *text,
                int         in_c,
                int         in_h,
                int         in_w,
                NnError    *err)
{
  int c = in_c, h = in_h, w = in_w;
  int i;

  for (i = 0; i < arch->n_layers; i++)
    {
      NnArchLayer *l = &arch->layers[i];

      l->in_c = c;
      l->in_h = h;
      l->in_w = w;
      if (l->type == NN_ARCH_CONV)
        {
          int span_h = h + 2 * l->pad - l->k;
          int span_w = w + 2 * l->pad - l->k;
          int back_h, back_w;

          if (span_h < 0 || span_w < 0)
            return nn_error_set (err, NN_ERR_SHAPE,
                                 "arch \"%s\": layer %d: a %d×%d kernel with padding %d does not fit its %d×%d input",
                                 text, i + 1, l->k, l->k, l->pad, h, w);
          l->out_h = span_h / l->stride + 1;
          l->out_w = span_w / l->stride + 1;
          if (span_h % l->stride != span_w % l->stride)
            return nn_error_set (err, NN_ERR_SHAPE,
                                 "arch \"%s\": layer %d: stride %d leaves different remainders on a %d×%d input, "
                                 "so the decoder cannot mirror it; change the padding or the input size",
                                 text, i + 1, l->stride, h, w);
          /* The mirrored transposed conv gives (o − 1)·s − 2p + k + op; op takes
           * up the rows the strided conv skipped and must stay below s. */
          l->out_pad = span_h % l->stride;
          back_h = (l->out_h - 1) * l->stride - 2 * l->pad + l->k + l->out_pad;
          back_w = (l->out_w - 1) * l->stride - 2 * l->pad + l->k + l->out_pad;
          if (back_h != h || back_w != w || l->out_pad >= l->stride)
            return nn_error_set (err, NN_ERR_SHAPE,
                                 "arch \"%s\": layer %d: the decoder's transposed conv cannot reproduce %d×%d",
                                 text, i + 1, h, w);
          c = l->out_c;
          h = l->out_h;
          w = l->out_w;
        }
      else
        {
          l->in_c = c * h * w;
          l->in_h = l->in_w = 1;
          c = l->out_c;
          h = w = 1;
        }
      if ((long long) c * h * w > MAX_TENSOR
          || (long long) l->in_c * l->in_h * l->in_w * l->out_c > INT_MAX / 4)
        return nn_error_set (err, NN_ERR_SHAPE, "arch \"%s\": layer %d is too large", text, i + 1);
    }
  arch->latent_dim = c * h * w;
  return NN_OK;
}

NnStatus
nn_arch_parse (NnArch     *arch,
               const char *text,
               int         in_c,
               int         in_h,
               int         in_w,
               NnError    *err)
{
  bool with_shape = in_c > 0 && in_h > 0 && in_w > 0;
  NnStatus st;

  memset (arch, 0, sizeof *arch);
  if (text == NULL || text[0] == '\0')
    return nn_error_set (err, NN_ERR_INVALID, "arch is empty (e.g. 784-512-128-32 or c16k3s2,c32k3s2,d32)");

  if (with_shape && (long long) in_c * in_h * in_w > MAX_TENSOR)
    return nn_error_set (err, NN_ERR_SHAPE, "input %d×%d×%d is too large", in_c, in_h, in_w);

  if (isdigit ((unsigned char) text[0]))
    {
      int first = 0;

      st = parse_dense_form (arch, text, &first, err);
      if (st != NN_OK)
        return st;
      if (with_shape && first != in_c * in_h * in_w)
        return nn_error_set (err, NN_ERR_SHAPE,
                             "arch \"%s\" starts with %d inputs but the input is %d×%d×%d = %d",
                             text, first, in_c, in_h, in_w, in_c * in_h * in_w);
      return NN_OK;
    }

  st = parse_conv_form (arch, text, err);
  if (st != NN_OK || !with_shape)
    return st;
  arch->input_dim = in_c * in_h * in_w;
  return resolve_shapes (arch, text, in_c, in_h, in_w, err);
}
