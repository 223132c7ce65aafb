/* btl-codec-format.c — the .btlz byte layout: container, payload coding.
 * See btl-codec.h; the codec itself is btl-codec.c.
 *
 * .btlz, version 1 (integers little-endian, d = latent_dim):
 *
 *   offset   size  field
 *   0        4     magic "BTLZ"
 *   4        1     u8 version (1); a reader refuses versions above its own
 *   5        1     u8 transform: 0 autoencoder, 1 PCA (the linear baseline)
 *   6        1     u8 mode: 0 fit (one tile = the whole resized picture), 1 tiles
 *   7        1     u8 channels: 1 or 3
 *   8        1     u8 bits per code, 2..16
 *   9        1     u8 payload coding: 0 bit-packed, 1 deflate, 2 deflate of deltas
 *   10       1     u8 range source: 0 model statistics, 1 a sample, 2 this image
 *   11       1     reserved, 0
 *   12       16    model fingerprint (first 16 bytes of a SHA-256, see
 *                  btl_codec_model_fingerprint)
 *   28       4     u32 width of the decoded picture
 *   32       4     u32 height
 *   36       2     u16 tile width  (the model's input width)
 *   38       2     u16 tile height
 *   40       2     u16 d, the number of code dimensions
 *   42       2·d   per-dimension minimum, bfloat16 (rounded toward −∞)
 *   42+2d    2·d   per-dimension maximum, bfloat16 (rounded toward +∞)
 *   42+4d    4     u32 payload length P
 *   46+4d    P     payload
 *   46+4d+P  4     u32 CRC-32 (zlib) of every byte before it
 *
 * The number of tiles is not stored: it follows from the geometry
 * (⌈height/tile_h⌉·⌈width/tile_w⌉, or 1 in fit mode).
 *
 * Quantisation: with L = 2^bits − 1, code q = round((z − min)/(max − min)·L)
 * clamped to [0, L]; dequantised ẑ = min + q·(max − min)/L. The ranges are
 * stored as bfloat16 (half the bytes of float32; min rounded down, max up so
 * they still cover the data) and the ENCODER quantises with the stored,
 * rounded values, so both sides use bit-identical ranges.
 *
 * Payload codings (the encoder builds each and keeps the smallest, so tiny
 * fit-mode payloads are not inflated by deflate's block overhead):
 *   0  the n_tiles·d codes, tile-major, bits each, MSB first, zero-padded
 *   1  raw deflate (level 9, no zlib header: the file has its own CRC) of the
 *      codes dimension-major (all tiles' dimension 0, then dimension 1, …) as
 *      bytes; for bits > 8 all high bytes first, then all low bytes, so the
 *      mostly-constant high bytes compress to almost nothing
 *   2  as 1, but each code replaced by its difference from the previous
 *      tile's code of the same dimension (mod 2^bits, zigzag-mapped so small
 *      differences of either sign become small numbers)
 *
 * Reading checks, in order: magic, version, the length of every part against
 * the real size (truncation and trailing bytes are told apart from damage),
 * CRC, every field's range, the pixel limit, then — with a model — transform,
 * fingerprint and shape; the payload must inflate to exactly the expected
 * number of bytes. Nothing is allocated from a size that was not checked.
 */
#include "config.h"

#include "btl-codec-private.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>
#include <zlib.h>

#include "btl-error.h"
#include "btl-mapped-file.h"
#include "btl-tiles.h"

/* Cap on the decoded code bytes (n_tiles · d · 1 or 2). */
#define MAX_RAW_CODES  ((gsize) 1 << 30)

/* ------------------------------------------------------------ little helpers */

static void
put_u16 (guint8 *p,
         guint   v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
}

static void
put_u32 (guint8  *p,
         guint32  v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (v >> (8 * i)) & 0xff;
}

static guint
get_u16 (const guint8 *p)
{
  return (guint) p[0] | ((guint) p[1] << 8);
}

static guint32
get_u32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16)
         | ((guint32) p[3] << 24);
}

static guint32
float_bits (float v)
{
  guint32 u;

  memcpy (&u, &v, 4);
  return u;
}

static float
bf16_to_float (guint h)
{
  guint32 u = (guint32) h << 16;
  float v;

  memcpy (&v, &u, 4);
  return v;
}

/* bfloat16 = the top half of a float32. Rounding "down" (toward −∞) grows
 * the magnitude of negatives; "up" grows the magnitude of positives. A carry
 * out of the mantissa correctly bumps the exponent. */
static guint
bf16_round (float    v,
            gboolean up)
{
  guint32 u = float_bits (v);
  guint32 hi = u >> 16;
  gboolean negative = (u >> 31) != 0;

  if ((u & 0xffff) != 0 && (up ? !negative : negative))
    hi += 1;
  return hi & 0xffff;
}

char *
btl_codec_fingerprint_to_hex (const guint8 fingerprint[BTL_CODEC_FINGERPRINT_LEN])
{
  GString *s = g_string_sized_new (2 * BTL_CODEC_FINGERPRINT_LEN);

  for (int i = 0; i < BTL_CODEC_FINGERPRINT_LEN; i++)
    g_string_append_printf (s, "%02x", fingerprint[i]);
  return g_string_free (s, FALSE);
}

const char *
btl_codec_mode_to_string (BtlCodecMode mode)
{
  return mode == BTL_CODEC_MODE_FIT ? "fit" : "tiles";
}

gboolean
btl_codec_mode_from_string (const char   *text,
                            BtlCodecMode *mode)
{
  if (g_strcmp0 (text, "fit") == 0)
    *mode = BTL_CODEC_MODE_FIT;
  else if (g_strcmp0 (text, "tiles") == 0)
    *mode = BTL_CODEC_MODE_TILES;
  else
    return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------ payload coding */

static guint
zigzag_encode (guint q,
               guint prev,
               int   bits)
{
  guint mask = (1u << bits) - 1;
  guint d = (q - prev) & mask;
  gint64 s = d >= (1u << (bits - 1)) ? (gint64) d - ((gint64) 1 << bits) : (gint64) d;

  return s >= 0 ? (guint) (2 * s) : (guint) (-2 * s - 1);
}

static guint
zigzag_decode (guint zz,
               guint prev,
               int   bits)
{
  guint mask = (1u << bits) - 1;
  gint64 s = (zz & 1) ? -(gint64) ((zz + 1) >> 1) : (gint64) (zz >> 1);

  return (guint) ((gint64) prev + s) & mask;
}

/* Codes as bytes, dimension-major, optionally as deltas; for bits > 8 the
 * high-byte plane precedes the low-byte plane. */
static guint8 *
codes_to_planes (const guint16 *q,
                 int            n_tiles,
                 int            d,
                 int            bits,
                 gboolean       delta,
                 gsize         *len_out)
{
  gsize n = (gsize) n_tiles * d;
  gboolean wide = bits > 8;
  guint8 *out = g_malloc (wide ? 2 * n : n);
  gsize o = 0;

  for (int j = 0; j < d; j++)
    for (int i = 0; i < n_tiles; i++)
      {
        guint v = q[(gsize) i * d + j];

        if (delta)
          v = zigzag_encode (v, i > 0 ? q[(gsize) (i - 1) * d + j] : 0, bits);
        if (wide)
          {
            out[o] = v >> 8;
            out[n + o] = v & 0xff;
          }
        else
          out[o] = (guint8) v;
        o++;
      }
  *len_out = wide ? 2 * n : n;
  return out;
}

static gboolean
planes_to_codes (const guint8  *planes,
                 int            n_tiles,
                 int            d,
                 int            bits,
                 gboolean       delta,
                 guint16       *q,
                 GError       **error)
{
  gsize n = (gsize) n_tiles * d;
  gboolean wide = bits > 8;
  guint limit = 1u << bits;
  gsize o = 0;

  for (int j = 0; j < d; j++)
    for (int i = 0; i < n_tiles; i++)
      {
        guint v = wide ? ((guint) planes[o] << 8) | planes[n + o] : planes[o];

        if (v >= limit)
          {
            g_set_error (error, BTL_ERROR, BTL_ERROR_CORRUPT,
                         _("a code (%u) does not fit in %d bits"), v, bits);
            return FALSE;
          }
        if (delta)
          v = zigzag_decode (v, i > 0 ? q[(gsize) (i - 1) * d + j] : 0, bits);
        q[(gsize) i * d + j] = (guint16) v;
        o++;
      }
  return TRUE;
}

static GBytes *
pack_bits (const guint16 *q,
           gsize          n,
           int            bits)
{
  gsize len = (n * bits + 7) / 8;
  guint8 *out = g_malloc0 (MAX (len, 1));
  gsize bit = 0;

  for (gsize i = 0; i < n; i++)
    for (int b = bits - 1; b >= 0; b--, bit++)
      if ((q[i] >> b) & 1)
        out[bit / 8] |= 0x80 >> (bit % 8);
  return g_bytes_new_take (out, len);
}

static void
unpack_bits (const guint8 *in,
             gsize         n,
             int           bits,
             guint16      *q)
{
  gsize bit = 0;

  for (gsize i = 0; i < n; i++)
    {
      guint v = 0;

      for (int b = 0; b < bits; b++, bit++)
        v = (v << 1) | ((in[bit / 8] >> (7 - bit % 8)) & 1);
      q[i] = (guint16) v;
    }
}

static GBytes *
deflate_raw (const guint8 *in,
             gsize         len)
{
  z_stream zs = { 0 };
  uLong bound;
  guint8 *out;

  /* −15: raw deflate, no zlib header or Adler-32 (the file has a CRC). */
  if (deflateInit2 (&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
    return NULL;
  bound = deflateBound (&zs, len);
  out = g_malloc (bound);
  zs.next_in = (Bytef *) in;
  zs.avail_in = len;
  zs.next_out = out;
  zs.avail_out = bound;
  if (deflate (&zs, Z_FINISH) != Z_STREAM_END)
    {
      deflateEnd (&zs);
      g_free (out);
      return NULL;
    }
  deflateEnd (&zs);
  return g_bytes_new_take (out, zs.total_out);
}

static gboolean
inflate_exact (const guint8  *in,
               gsize          len,
               guint8        *out,
               gsize          out_len,
               GError       **error)
{
  z_stream zs = { 0 };
  int ret;

  if (inflateInit2 (&zs, -15) != Z_OK)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_FAILED, _("zlib failed to start"));
      return FALSE;
    }
  zs.next_in = (Bytef *) in;
  zs.avail_in = len;
  zs.next_out = out;
  zs.avail_out = out_len;
  ret = inflate (&zs, Z_FINISH);
  inflateEnd (&zs);
  if (ret != Z_STREAM_END || zs.total_out != out_len || zs.avail_in != 0)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_CORRUPT,
                   _("the payload does not decompress to the %zu bytes of codes the "
                     "header announces"), out_len);
      return FALSE;
    }
  return TRUE;
}

GBytes *
btl_codec_encode_payload_as (const guint16  *q,
                             int             n_tiles,
                             int             d,
                             int             bits,
                             BtlCodecCoding  coding)
{
  g_autofree guint8 *planes = NULL;
  gsize len;

  if (coding == BTL_CODEC_CODING_PACKED)
    return pack_bits (q, (gsize) n_tiles * d, bits);
  planes = codes_to_planes (q, n_tiles, d, bits,
                            coding == BTL_CODEC_CODING_DEFLATE_DELTA, &len);
  return deflate_raw (planes, len);
}

/* The smallest of the codings for these codes. Measured on Fashion-MNIST
 * mosaics, photos and 1024² RGB with dense and conv models, dimension-major
 * deflate wins almost always; bit-packing wins for some one-tile payloads;
 * deltas between neighbouring tiles rarely help (their codes are weakly
 * correlated) but cost one extra deflate to try. */
GBytes *
btl_codec_encode_payload (const guint16  *q,
                          int             n_tiles,
                          int             d,
                          int             bits,
                          BtlCodecCoding *coding_out)
{
  GBytes *best = btl_codec_encode_payload_as (q, n_tiles, d, bits,
                                              BTL_CODEC_CODING_PACKED);

  *coding_out = BTL_CODEC_CODING_PACKED;
  for (int c = BTL_CODEC_CODING_DEFLATE; c <= BTL_CODEC_CODING_DEFLATE_DELTA; c++)
    {
      GBytes *candidate;

      if (c == BTL_CODEC_CODING_DEFLATE_DELTA && n_tiles < 2)
        break;
      candidate = btl_codec_encode_payload_as (q, n_tiles, d, bits, c);
      if (candidate == NULL)
        continue;
      if (g_bytes_get_size (candidate) < g_bytes_get_size (best))
        {
          g_bytes_unref (best);
          best = candidate;
          *coding_out = c;
        }
      else
        g_bytes_unref (candidate);
    }
  return best;
}

gboolean
btl_codec_decode_payload (const guint8          *payload,
                          const BtlCodecHeader  *h,
                          guint16               *q,
                          GError               **error)
{
  gsize n = (gsize) h->n_tiles * h->latent_dim;

  if (h->coding == BTL_CODEC_CODING_PACKED)
    {
      /* length already checked against (n·bits + 7)/8 by the header reader */
      unpack_bits (payload, n, h->bits, q);
      return TRUE;
    }
  else
    {
      gsize raw_len = h->bits > 8 ? 2 * n : n;
      g_autofree guint8 *planes = g_try_malloc (MAX (raw_len, 1));

      if (planes == NULL)
        {
          g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                       _("not enough memory for %zu codes"), n);
          return FALSE;
        }
      return inflate_exact (payload, h->payload_bytes, planes, raw_len, error)
             && planes_to_codes (planes, h->n_tiles, h->latent_dim, h->bits,
                                 h->coding == BTL_CODEC_CODING_DEFLATE_DELTA,
                                 q, error);
    }
}

/* ------------------------------------------------------------ container */

static gboolean
corrupt (GError     **error,
         const char  *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
corrupt (GError     **error,
         const char  *format,
         ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, BTL_ERROR, BTL_ERROR_CORRUPT, _("not a valid .btlz file: %s"),
               message);
  return FALSE;
}

gboolean
btl_codec_parse_container (const guint8    *data,
                           gsize            len,
                           BtlCodecHeader  *h,
                           float           *min,
                           float           *max,
                           GError         **error)
{
  gsize ranges_end, expected;
  guint32 stored_crc, crc;
  int rows, cols;
  gsize n_codes;

  memset (h, 0, sizeof *h);
  if (len >= 4 && memcmp (data, MAGIC, 4) != 0)
    return corrupt (error, _("wrong magic (this is not a compressed image)"));
  if (len < FIXED_HEADER)
    return corrupt (error, _("truncated in the header (%zu of %d bytes)"),
                    len, FIXED_HEADER);
  h->version = data[4];
  if (h->version > BTL_CODEC_VERSION)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_VERSION,
                   _(".btlz version %d is newer than this program’s (%d)"),
                   h->version, BTL_CODEC_VERSION);
      return FALSE;
    }
  if (h->version < 1)
    return corrupt (error, _("version 0"));

  h->latent_dim = get_u16 (data + 40);
  if (h->latent_dim < 1)
    return corrupt (error, _("zero code dimensions"));
  ranges_end = FIXED_HEADER + 4 * (gsize) h->latent_dim;
  if (len < ranges_end + 4)
    return corrupt (error, _("truncated in the quantisation ranges (needs %zu bytes, has %zu)"),
                    ranges_end + 4, len);
  h->payload_bytes = get_u32 (data + ranges_end);
  h->header_bytes = ranges_end + 4;
  expected = h->header_bytes + h->payload_bytes + 4;
  if (len < expected)
    return corrupt (error, _("truncated (the header announces %zu bytes, the file has %zu)"),
                    expected, len);
  if (len > expected)
    return corrupt (error, _("%zu unexpected bytes after the end"),
                    len - expected);
  h->file_bytes = len;

  stored_crc = get_u32 (data + len - 4);
  crc = crc32 (crc32 (0L, Z_NULL, 0), data, len - 4);
  if (crc != stored_crc)
    return corrupt (error, _("checksum mismatch (the file is damaged)"));

  if (data[5] > BTL_CODEC_TRANSFORM_PCA || data[6] > BTL_CODEC_MODE_TILES
      || (data[7] != 1 && data[7] != 3)
      || data[8] < BTL_CODEC_MIN_BITS || data[8] > BTL_CODEC_MAX_BITS
      || data[9] > BTL_CODEC_CODING_DEFLATE_DELTA
      || data[10] > BTL_CODEC_RANGES_IMAGE || data[11] != 0)
    return corrupt (error, _("a header field is out of range"));
  h->transform = data[5];
  h->mode = data[6];
  h->channels = data[7];
  h->bits = data[8];
  h->coding = data[9];
  h->range_source = data[10];
  memcpy (h->fingerprint, data + 12, BTL_CODEC_FINGERPRINT_LEN);
  h->width = (int) MIN (get_u32 (data + 28), (guint32) G_MAXINT);
  h->height = (int) MIN (get_u32 (data + 32), (guint32) G_MAXINT);
  h->tile_width = get_u16 (data + 36);
  h->tile_height = get_u16 (data + 38);

  if (h->width < 1 || h->height < 1 || h->tile_width < 1 || h->tile_height < 1)
    return corrupt (error, _("zero-sized picture or tile"));
  if ((gint64) h->width * h->height > BTL_IMAGE_MAX_PIXELS)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("the compressed picture is %d × %d, above the limit of %lld megapixels"),
                   h->width, h->height, (long long) (BTL_IMAGE_MAX_PIXELS / (1024 * 1024)));
      return FALSE;
    }
  if (h->mode == BTL_CODEC_MODE_FIT
      && (h->width != h->tile_width || h->height != h->tile_height))
    return corrupt (error, _("a fit-mode picture must have the tile’s size"));
  btl_tiles_grid (h->height, h->width, h->tile_height, h->tile_width, &rows, &cols);
  h->n_tiles = rows * cols;

  n_codes = (gsize) h->n_tiles * h->latent_dim;
  if (n_codes * (h->bits > 8 ? 2 : 1) > MAX_RAW_CODES)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("%zu codes is more than this program handles"),
                   n_codes);
      return FALSE;
    }
  if (h->coding == BTL_CODEC_CODING_PACKED
      && h->payload_bytes != (n_codes * h->bits + 7) / 8)
    return corrupt (error, _("the payload length does not match %zu codes of %d bits"),
                    n_codes, h->bits);

  for (int j = 0; j < h->latent_dim; j++)
    {
      float lo = bf16_to_float (get_u16 (data + FIXED_HEADER + 2 * j));
      float hi = bf16_to_float (get_u16 (data + FIXED_HEADER + 2 * (h->latent_dim + j)));

      if (!isfinite (lo) || !isfinite (hi) || hi < lo)
        return corrupt (error, _("bad quantisation range for dimension %d"), j);
      if (min != NULL)
        min[j] = lo;
      if (max != NULL)
        max[j] = hi;
    }
  return TRUE;
}

gboolean
btl_codec_read_header (GBytes          *bytes,
                       BtlCodecHeader  *header,
                       GError         **error)
{
  BtlCodecHeader local;
  gsize len;
  const guint8 *data;

  g_return_val_if_fail (bytes != NULL, FALSE);

  data = g_bytes_get_data (bytes, &len);
  return btl_codec_parse_container (data, len, header != NULL ? header : &local,
                          NULL, NULL, error);
}

GBytes *
btl_codec_read_file (const char  *path,
                     GError     **error)
{
  g_autoptr (GMappedFile) mapped = NULL;
  g_autofree char *name = g_filename_display_name (path);

  mapped = btl_mapped_file_new (path, error);
  if (mapped == NULL)
    return NULL;
  if ((gint64) g_mapped_file_get_length (mapped) > BTL_CODEC_MAX_FILE_BYTES)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("%s: %zu bytes is larger than any .btlz this "
                     "program writes"), name, g_mapped_file_get_length (mapped));
      return NULL;
    }
  /* A private copy: the mapping would change under us if the file did. */
  return g_bytes_new (g_mapped_file_get_contents (mapped),
                      g_mapped_file_get_length (mapped));
}


void
btl_codec_round_ranges (float *min,
                        float *max,
                        int    d)
{
  for (int j = 0; j < d; j++)
    {
      min[j] = bf16_to_float (bf16_round (min[j], FALSE));
      max[j] = bf16_to_float (bf16_round (max[j], TRUE));
    }
}

GBytes *
btl_codec_write_container (const BtlCodecHeader  *h,
                           const float           *min,
                           const float           *max,
                           GBytes                *payload,
                           GError               **error)
{
  gsize plen = g_bytes_get_size (payload);
  gsize head_len = FIXED_HEADER + 4 * (gsize) h->latent_dim + 4;
  gsize total = head_len + plen + 4;
  guint8 *out;

  if (plen > G_MAXUINT32)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("the payload (%zu bytes) does not fit a .btlz"), plen);
      return NULL;
    }

  out = g_malloc0 (total);
  memcpy (out, MAGIC, 4);
  out[4] = BTL_CODEC_VERSION;
  out[5] = h->transform;
  out[6] = h->mode;
  out[7] = h->channels;
  out[8] = h->bits;
  out[9] = h->coding;
  out[10] = h->range_source;
  out[11] = 0;
  memcpy (out + 12, h->fingerprint, BTL_CODEC_FINGERPRINT_LEN);
  put_u32 (out + 28, h->width);
  put_u32 (out + 32, h->height);
  put_u16 (out + 36, h->tile_width);
  put_u16 (out + 38, h->tile_height);
  put_u16 (out + 40, h->latent_dim);
  /* min/max are already bfloat16 values (btl_codec_round_ranges): exact. */
  for (int j = 0; j < h->latent_dim; j++)
    {
      put_u16 (out + FIXED_HEADER + 2 * j, bf16_round (min[j], FALSE));
      put_u16 (out + FIXED_HEADER + 2 * (h->latent_dim + j), bf16_round (max[j], TRUE));
    }
  put_u32 (out + head_len - 4, (guint32) plen);
  memcpy (out + head_len, g_bytes_get_data (payload, NULL), plen);
  put_u32 (out + total - 4, crc32 (crc32 (0L, Z_NULL, 0), out, total - 4));
  return g_bytes_new_take (out, total);
}
