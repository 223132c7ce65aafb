/* btl-codec-private.h — what btl-codec.c and btl-codec-format.c share. */
#pragma once

#include "btl-codec.h"

G_BEGIN_DECLS

#define MAGIC         "BTLZ"
#define FIXED_HEADER  42

/* The codes in one given coding (NULL if zlib fails). */
GBytes  *btl_codec_encode_payload_as (const guint16   *q,
                                      int              n_tiles,
                                      int              d,
                                      int              bits,
                                      BtlCodecCoding   coding);

/* The smallest payload coding of the n_tiles·d codes (tile-major). */
GBytes  *btl_codec_encode_payload (const guint16   *q,
                                   int              n_tiles,
                                   int              d,
                                   int              bits,
                                   BtlCodecCoding  *coding_out);

/* Decodes h's payload into h->n_tiles·h->latent_dim codes. */
gboolean btl_codec_decode_payload (const guint8          *payload,
                                   const BtlCodecHeader  *h,
                                   guint16               *q,
                                   GError               **error);

/* Parses and checks everything but the payload's contents (see the layout in
 * btl-codec-format.c); min/max (may be NULL) receive the latent_dim decoded
 * ranges — callers allocate them once a first call told them latent_dim. */
gboolean btl_codec_parse_container (const guint8    *data,
                                    gsize            len,
                                    BtlCodecHeader  *h,
                                    float           *min,
                                    float           *max,
                                    GError         **error);

/* Rounds ranges in place to the bfloat16 values the header will hold
 * (min toward −∞, max toward +∞). */
void     btl_codec_round_ranges (float *min,
                                 float *max,
                                 int    d);

/* Header (h's fields; header_bytes/payload_bytes/file_bytes are ignored),
 * rounded ranges, payload and CRC. */
GBytes  *btl_codec_write_container (const BtlCodecHeader  *h,
                                    const float           *min,
                                    const float           *max,
                                    GBytes                *payload,
                                    GError               **error);

G_END_DECLS
