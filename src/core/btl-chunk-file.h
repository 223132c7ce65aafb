/* btl-chunk-file.h — the frame shared by Bottleneck's chunked files (.btl
 * model files, .btlproj project files).
 *
 *   offset  size  field
 *   0       8     magic (8 ASCII bytes, one per kind of file)
 *   8       4     u32 format version; a reader refuses versions above its own
 *   12      8     u64 total file size, so truncation is told apart from damage
 *   20      …     chunks, each: 4-byte ASCII tag, u64 payload length, payload
 *   size−12 12    the "END " chunk (empty), always last
 *   size−4  4     u32 CRC-32 (zlib crc32) of every byte before it
 *
 * All integers little-endian. Unknown tags are skipped by readers, so a
 * later version can add chunks without breaking older readers.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BTL_CHUNK_FILE_HEADER_LEN  20
#define BTL_CHUNK_HEAD_LEN         12   /* tag + u64 length */

/* A chunk the reader looks for: set tag, get data and len (data NULL when
 * the file has no such chunk). data points into the caller's buffer. */
typedef struct
{
  const char   *tag;
  const guint8 *data;
  guint64       len;
} BtlChunk;

/* Writing: begin, put chunks, finish (END, size, CRC). */
GByteArray *btl_chunk_writer_begin     (const char  *magic,
                                        guint32      version,
                                        guint64      size_hint);
void        btl_chunk_writer_put_head  (GByteArray  *out,
                                        const char  *tag,
                                        guint64      len);
void        btl_chunk_writer_put       (GByteArray  *out,
                                        const char  *tag,
                                        const void  *data,
                                        gsize        len);
GBytes     *btl_chunk_writer_finish    (GByteArray  *out);

/* Checks magic, version, declared size, CRC and every chunk length, then
 * fills the chunks asked for. not_kind (the translated "not a Bottleneck model
 * file") and display (the file's name) go into the errors: BTL_ERROR_CORRUPT (not this kind of file,
 * truncated, damaged, bad checksum, a chunk twice) or BTL_ERROR_VERSION. */
gboolean    btl_chunk_file_read        (const guint8 *data,
                                        guint64       size,
                                        const char   *magic,
                                        guint32       max_version,
                                        const char   *not_kind,
                                        const char   *display,
                                        BtlChunk     *chunks,
                                        guint         n_chunks,
                                        GError      **error);

/* Sets a BTL_ERROR "display: message" error; returns FALSE. */
gboolean    btl_chunk_file_fail        (GError     **error,
                                        int          code,
                                        const char  *display,
                                        const char  *fmt,
                                        ...) G_GNUC_PRINTF (4, 5);

G_END_DECLS
