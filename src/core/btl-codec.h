/* btl-codec.h — the learned image codec and its .btlz container.
 *
 * compress:   image → tiles → encode → quantise per dimension → entropy code
 *             (zlib deflate) → .btlz bytes
 * decompress: .btlz bytes → codes → dequantise → decode → stitch → image
 *
 * The same container serves the linear baseline: a BtlCodec built on a
 * BtlPca instead of an autoencoder (transform byte in the header), so both
 * are measured with the same quantiser, entropy coder and header costs.
 *
 * Reconstructions are always rounded to 8 bits (k/255), which is what the
 * decompressed PNG holds; btl_codec_compress can return it, computed by the
 * very code path btl_codec_decompress runs, so the window shows exactly the
 * pixels `bottleneck-cli decompress` writes. The byte layout is documented in
 * btl-codec-format.c.
 *
 * A BtlCodec holds one inference workspace: use it from one thread at a time
 * (a worker may own it; any number of codecs may share a model).
 */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "btl-model-file.h"
#include "btl-pca.h"
#include "nn.h"

G_BEGIN_DECLS

#define BTL_CODEC_VERSION          1
#define BTL_CODEC_MIN_BITS         2
#define BTL_CODEC_MAX_BITS         16
#define BTL_CODEC_DEFAULT_BITS     8
/* Bytes of the model fingerprint kept in files and shown (as 32 hex digits):
 * the first half of a SHA-256. */
#define BTL_CODEC_FINGERPRINT_LEN  16
/* Largest .btlz read into memory. */
#define BTL_CODEC_MAX_FILE_BYTES   (G_GINT64_CONSTANT (1) << 30)

typedef enum
{
  BTL_CODEC_MODE_FIT = 0,    /* centre crop + resize to the input size (btl_image_fit_pixbuf) */
  BTL_CODEC_MODE_TILES = 1,  /* full resolution, tile by tile */
} BtlCodecMode;

typedef enum
{
  BTL_CODEC_TRANSFORM_AUTOENCODER = 0,
  BTL_CODEC_TRANSFORM_PCA = 1,
} BtlCodecTransform;

typedef enum
{
  BTL_CODEC_RANGES_MODEL = 0,   /* from the latent statistics saved with the model */
  BTL_CODEC_RANGES_SAMPLE = 1,  /* from encoding a sample (btl_codec_calibrate) */
  BTL_CODEC_RANGES_IMAGE = 2,   /* from this image's own codes (no stats available) */
} BtlCodecRangeSource;

/* How the quantised codes are stored in the payload; the encoder tries each
 * and keeps the smallest. */
typedef enum
{
  BTL_CODEC_CODING_PACKED = 0,        /* bits·n raw bit-packed (tiny payloads) */
  BTL_CODEC_CODING_DEFLATE = 1,       /* deflate of byte planes, dimension-major */
  BTL_CODEC_CODING_DEFLATE_DELTA = 2, /* same, each code minus the previous tile's */
} BtlCodecCoding;

/* A parsed .btlz header (everything but the payload). */
typedef struct
{
  int                 version;
  BtlCodecTransform   transform;
  BtlCodecMode        mode;
  BtlCodecCoding      coding;
  BtlCodecRangeSource range_source;
  int                 channels;
  int                 width;         /* of the decoded picture */
  int                 height;
  int                 tile_width;
  int                 tile_height;
  int                 bits;
  int                 latent_dim;
  int                 n_tiles;
  guint8              fingerprint[BTL_CODEC_FINGERPRINT_LEN];
  gsize               header_bytes;  /* everything but payload and CRC */
  gsize               payload_bytes;
  gsize               file_bytes;
} BtlCodecHeader;

typedef struct _BtlCodec BtlCodec;

/* A codec for an autoencoder. model gives the architecture; params/stats the
 * weights to use (the model's own, or a training snapshot's). model, params
 * and stats are BORROWED: keep them alive and unchanged while the codec
 * lives. info (may be NULL) supplies the quantisation ranges
 * (info->latent_min/max); without them call btl_codec_calibrate, or each
 * compress derives ranges from the image's own codes.
 * The fingerprint is taken from these params/stats: a .btlz made from a
 * training snapshot decodes only with a model file holding exactly those
 * weights (save the snapshot with btl_model_file_save_buffers). */
BtlCodec   *btl_codec_new_for_model (const NnModel       *model,
                                     const float         *params,
                                     const float         *stats,
                                     const BtlModelInfo  *info,
                                     GError             **error);

/* The linear baseline: the first n_components of pca (BORROWED) on tiles of
 * channels × tile_h × tile_w (pca->dim must equal their product). */
BtlCodec   *btl_codec_new_for_pca (const BtlPca  *pca,
                                   int            n_components,
                                   int            channels,
                                   int            tile_h,
                                   int            tile_w,
                                   GError       **error);

void        btl_codec_free (BtlCodec *codec);

BtlCodecTransform btl_codec_get_transform (const BtlCodec *codec);
int         btl_codec_get_channels (const BtlCodec *codec);
int         btl_codec_get_tile_height (const BtlCodec *codec);
int         btl_codec_get_tile_width (const BtlCodec *codec);
int         btl_codec_get_latent_dim (const BtlCodec *codec);
/* 32 lowercase hex digits. */
const char *btl_codec_get_fingerprint (const BtlCodec *codec);
/* Where the current ranges come from; BTL_CODEC_RANGES_IMAGE when none are set. */
BtlCodecRangeSource btl_codec_get_range_source (const BtlCodec *codec);

/* Sets the quantisation ranges from the codes of n samples (n, C·th·tw):
 * per dimension min and max (widened when a dimension does not vary). */
gboolean    btl_codec_calibrate (BtlCodec     *codec,
                                 const float  *samples,
                                 int           n,
                                 GError      **error);

/* Sets explicit ranges (latent_dim each; max ≥ min, finite). */
gboolean    btl_codec_set_ranges (BtlCodec     *codec,
                                  const float  *min,
                                  const float  *max,
                                  GError      **error);

/* The picture in the codec's channels at the geometry mode codes: fit →
 * resized to the tile size, tiles → full resolution; 8-bit values (see
 * btl_tiles_image_from_pixbuf). This is the reference all metrics use. */
float      *btl_codec_prepare_image (const BtlCodec *codec,
                                     GdkPixbuf      *pixbuf,
                                     BtlCodecMode    mode,
                                     int            *height_out,
                                     int            *width_out);

/* Compresses a (channels, height, width) picture in the codec's channels
 * (fit mode: height × width must be the tile size). bits in 2..16.
 * recon_out (may be NULL) receives the decoded picture, exactly as
 * btl_codec_decompress returns it. */
GBytes     *btl_codec_compress (BtlCodec      *codec,
                                const float   *image,
                                int            height,
                                int            width,
                                BtlCodecMode   mode,
                                int            bits,
                                float        **recon_out,
                                GError       **error);

/* The same, the reconstruction written into recon (may be NULL): the
 * caller's channels·height·width floats, so a sweep over settings reuses one
 * buffer. */
GBytes     *btl_codec_compress_into (BtlCodec      *codec,
                                     const float   *image,
                                     int            height,
                                     int            width,
                                     BtlCodecMode   mode,
                                     int            bits,
                                     float         *recon,
                                     GError       **error);

/* The codes of a picture (n_tiles · latent_dim floats, tile-major; the
 * encoder's output before quantisation), to compress it at several bit
 * depths without running the encoder again. */
float      *btl_codec_encode_image (BtlCodec      *codec,
                                    const float   *image,
                                    int            height,
                                    int            width,
                                    BtlCodecMode   mode,
                                    int           *n_tiles_out,
                                    GError       **error);

/* btl_codec_compress_into from the codes btl_codec_encode_image made of a
 * height × width picture with this codec and mode: the same file. */
GBytes     *btl_codec_compress_codes (BtlCodec      *codec,
                                      const float   *z,
                                      int            height,
                                      int            width,
                                      BtlCodecMode   mode,
                                      int            bits,
                                      float         *recon,
                                      GError       **error);

/* Decodes a .btlz made with this codec's model: a (channels, H, W) picture
 * with 8-bit values; header_out (may be NULL) receives the header. Errors:
 * BTL_ERROR_CORRUPT (damaged, truncated, inconsistent), BTL_ERROR_VERSION,
 * BTL_ERROR_MISMATCH (another model: the message names both fingerprints),
 * BTL_ERROR_TOO_LARGE (picture above BTL_IMAGE_MAX_PIXELS). */
float      *btl_codec_decompress (BtlCodec        *codec,
                                  GBytes          *bytes,
                                  BtlCodecHeader  *header_out,
                                  GError         **error);

/* Parses and checks a .btlz without a model (length of every part against
 * the real size, CRC, field ranges, pixel limit). */
gboolean    btl_codec_read_header (GBytes          *bytes,
                                   BtlCodecHeader  *header,
                                   GError         **error);

/* Reads a .btlz file (refusing files above BTL_CODEC_MAX_FILE_BYTES). */
GBytes     *btl_codec_read_file (const char  *path,
                                 GError     **error);

/* The fingerprint of a model: SHA-256 over the configuration keys that
 * define what the network computes (kind, arch, activations, batch norm,
 * input shape) and the parameter and stats buffers (as little-endian
 * float32), truncated to BTL_CODEC_FINGERPRINT_LEN bytes. */
void        btl_codec_model_fingerprint (const NnConfig *cfg,
                                         const float    *params,
                                         size_t          n_params,
                                         const float    *stats,
                                         size_t          n_stats,
                                         guint8          out[BTL_CODEC_FINGERPRINT_LEN]);

/* 2·BTL_CODEC_FINGERPRINT_LEN lowercase hex digits (caller frees). */
char       *btl_codec_fingerprint_to_hex (const guint8 fingerprint[BTL_CODEC_FINGERPRINT_LEN]);

const char *btl_codec_mode_to_string (BtlCodecMode mode);
/* "fit" or "tiles"; FALSE for anything else. */
gboolean    btl_codec_mode_from_string (const char   *text,
                                        BtlCodecMode *mode);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtlCodec, btl_codec_free)

G_END_DECLS
