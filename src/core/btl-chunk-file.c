/* btl-chunk-file.c — the chunked file frame. See btl-chunk-file.h.
 *
 * Reading order: magic → version → declared size against the real size (a
 * short file is reported as "truncated in chunk X (needs N bytes, M left)")
 * → CRC → chunk walk, every length checked against what remains before it
 * is used. Writers build the file in memory; callers write it atomically.
 */
#include "config.h"

#include "btl-chunk-file.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <zlib.h>

#include "btl-error.h"

#define MAGIC_LEN   8
#define HEADER_LEN  BTL_CHUNK_FILE_HEADER_LEN
#define CHUNK_HEAD  BTL_CHUNK_HEAD_LEN
#define CRC_LEN     4

/* ------------------------------------------------------------- writing */

static void
put_u32 (GByteArray *out,
         guint32     v)
{
  guint32 le = GUINT32_TO_LE (v);
  g_byte_array_append (out, (const guint8 *) &le, 4);
}

static void
put_u64 (GByteArray *out,
         guint64     v)
{
  guint64 le = GUINT64_TO_LE (v);
  g_byte_array_append (out, (const guint8 *) &le, 8);
}

GByteArray *
btl_chunk_writer_begin (const char *magic,
                        guint32     version,
                        guint64     size_hint)
{
  GByteArray *out;

  g_return_val_if_fail (magic != NULL && strlen (magic) == MAGIC_LEN, NULL);

  out = g_byte_array_sized_new ((guint) MIN (size_hint, G_MAXUINT));
  g_byte_array_append (out, (const guint8 *) magic, MAGIC_LEN);
  put_u32 (out, version);
  put_u64 (out, 0);   /* the size, filled in by finish */
  return out;
}

void
btl_chunk_writer_put_head (GByteArray *out,
                           const char *tag,
                           guint64     len)
{
  g_return_if_fail (out != NULL && tag != NULL && strlen (tag) == 4);

  g_byte_array_append (out, (const guint8 *) tag, 4);
  put_u64 (out, len);
}

void
btl_chunk_writer_put (GByteArray *out,
                      const char *tag,
                      const void *data,
                      gsize       len)
{
  btl_chunk_writer_put_head (out, tag, len);
  if (len > 0)
    g_byte_array_append (out, data, (guint) len);
}

GBytes *
btl_chunk_writer_finish (GByteArray *out)
{
  guint64 total;
  guint32 crc;

  g_return_val_if_fail (out != NULL, NULL);

  btl_chunk_writer_put_head (out, "END ", 0);
  total = GUINT64_TO_LE ((guint64) out->len + CRC_LEN);
  memcpy (out->data + 12, &total, 8);
  crc = (guint32) crc32 (crc32 (0L, Z_NULL, 0), out->data, out->len);
  put_u32 (out, crc);
  return g_byte_array_free_to_bytes (out);
}

/* ------------------------------------------------------------- reading */

typedef struct
{
  const char *display;
  BtlChunk   *chunks;
  guint       n_chunks;
} Reader;

static guint32
get_u32 (const guint8 *p)
{
  guint32 v;
  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static guint64
get_u64 (const guint8 *p)
{
  guint64 v;
  memcpy (&v, p, 8);
  return GUINT64_FROM_LE (v);
}

gboolean
btl_chunk_file_fail (GError     **error,
                     int          code,
                     const char  *display,
                     const char  *fmt,
                     ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, fmt);
  what = g_strdup_vprintf (fmt, args);
  va_end (args);
  /* TRANSLATORS: a file name, then what is wrong with the file */
  g_set_error (error, BTL_ERROR, code, _("%s: %s"), display, what);
  return FALSE;
}

#define fail(r, error, code, ...) btl_chunk_file_fail (error, code, (r)->display, __VA_ARGS__)

static void
tag_to_string (const guint8 *tag,
               char          out[5])
{
  for (int i = 0; i < 4; i++)
    out[i] = g_ascii_isprint (tag[i]) ? (char) tag[i] : '?';
  out[4] = '\0';
}

/* Walks the chunks in data[HEADER_LEN, limit). truncated: the file is shorter
 * than its header says, so running out of bytes is reported as truncation. */
static gboolean
walk_chunks (Reader        *r,
             const guint8  *data,
             guint64        limit,
             gboolean       truncated,
             GError       **error)
{
  guint64 pos = HEADER_LEN;

  for (;;)
    {
      char tag[5];
      guint64 len, left;
      BtlChunk *slot = NULL;

      if (limit - pos < CHUNK_HEAD)
        {
          if (truncated)
            return fail (r, error, BTL_ERROR_CORRUPT,
                         _("truncated in a chunk header at offset %llu "
                           "(needs %d bytes, %llu left)"),
                         (unsigned long long) pos, CHUNK_HEAD,
                         (unsigned long long) (limit - pos));
          return fail (r, error, BTL_ERROR_CORRUPT, _("no END chunk"));
        }

      tag_to_string (data + pos, tag);
      len = get_u64 (data + pos + 4);
      pos += CHUNK_HEAD;
      left = limit - pos;
      if (len > left)
        {
          if (truncated)
            return fail (r, error, BTL_ERROR_CORRUPT,
                         _("truncated in chunk %s (needs %llu bytes, %llu left)"),
                         tag, (unsigned long long) len, (unsigned long long) left);
          return fail (r, error, BTL_ERROR_CORRUPT,
                       _("chunk %s claims %llu bytes but only %llu remain"),
                       tag, (unsigned long long) len, (unsigned long long) left);
        }

      if (memcmp (tag, "END ", 4) == 0)
        {
          if (truncated)
            return fail (r, error, BTL_ERROR_CORRUPT, _("truncated in the checksum"));
          if (len != 0 || pos != limit)
            return fail (r, error, BTL_ERROR_CORRUPT,
                         _("%llu unexpected bytes after the END chunk"),
                         (unsigned long long) (limit - pos));
          return TRUE;
        }

      /* Tags not asked for (e.g. from a later version) are skipped. */
      for (guint i = 0; i < r->n_chunks; i++)
        if (memcmp (tag, r->chunks[i].tag, 4) == 0)
          slot = &r->chunks[i];

      if (slot != NULL)
        {
          if (slot->data != NULL)
            return fail (r, error, BTL_ERROR_CORRUPT, _("chunk %s appears twice"), tag);
          slot->data = data + pos;
          slot->len = len;
        }
      pos += len;
    }
}

gboolean
btl_chunk_file_read (const guint8  *data,
                     guint64        size,
                     const char    *magic,
                     guint32        max_version,
                     const char    *not_kind,
                     const char    *display,
                     BtlChunk      *chunks,
                     guint          n_chunks,
                     GError       **error)
{
  Reader r = { display, chunks, n_chunks };
  guint64 declared;
  guint32 version, crc_stored, crc;

  g_return_val_if_fail (data != NULL || size == 0, FALSE);
  g_return_val_if_fail (magic != NULL && strlen (magic) == MAGIC_LEN, FALSE);
  g_return_val_if_fail (chunks != NULL || n_chunks == 0, FALSE);

  for (guint i = 0; i < n_chunks; i++)
    {
      chunks[i].data = NULL;
      chunks[i].len = 0;
    }

  if (size < MAGIC_LEN)
    {
      if (size > 0 && memcmp (data, magic, size) == 0)
        return fail (&r, error, BTL_ERROR_CORRUPT, _("truncated in the header (%llu bytes)"),
                     (unsigned long long) size);
      if (size == 0)
        /* TRANSLATORS: %s is a whole sentence such as "not a Bottleneck model file" */
        return fail (&r, error, BTL_ERROR_CORRUPT, _("%s (the file is empty)"), not_kind);
      return fail (&r, error, BTL_ERROR_CORRUPT, "%s", not_kind);
    }
  if (memcmp (data, magic, MAGIC_LEN) != 0)
    return fail (&r, error, BTL_ERROR_CORRUPT, "%s", not_kind);
  if (size < HEADER_LEN)
    return fail (&r, error, BTL_ERROR_CORRUPT, _("truncated in the header (%llu bytes)"),
                 (unsigned long long) size);

  version = get_u32 (data + 8);
  if (version > max_version)
    return fail (&r, error, BTL_ERROR_VERSION,
                 _("made by a newer Bottleneck (format %u; this one reads format %u)"),
                 version, max_version);
  if (version == 0)
    return fail (&r, error, BTL_ERROR_CORRUPT, _("bad format version 0"));

  declared = get_u64 (data + 12);
  if (declared < size)
    return fail (&r, error, BTL_ERROR_CORRUPT,
                 _("%llu bytes long but its header says %llu (damaged)"),
                 (unsigned long long) size, (unsigned long long) declared);
  if (declared > size)
    {
      /* Say where the data ran out; the walk always fails on a short file. */
      if (walk_chunks (&r, data, size, TRUE, error))
        fail (&r, error, BTL_ERROR_CORRUPT, _("truncated (%llu of %llu bytes)"),
              (unsigned long long) size, (unsigned long long) declared);
      return FALSE;
    }
  if (size < HEADER_LEN + CHUNK_HEAD + CRC_LEN)
    return fail (&r, error, BTL_ERROR_CORRUPT, _("too short to hold any chunk"));

  crc_stored = get_u32 (data + size - CRC_LEN);
  /* zlib takes uInt lengths: checksum in pieces of at most 1 GiB. */
  crc = (guint32) crc32 (0L, Z_NULL, 0);
  for (guint64 off = 0; off < size - CRC_LEN; off += G_GUINT64_CONSTANT (1) << 30)
    crc = (guint32) crc32 (crc, data + off,
                           (uInt) MIN (G_GUINT64_CONSTANT (1) << 30, size - CRC_LEN - off));
  if (crc != crc_stored)
    return fail (&r, error, BTL_ERROR_CORRUPT,
                 _("bad checksum (stored %08x, computed %08x): the file is damaged"),
                 crc_stored, crc);

  return walk_chunks (&r, data, size - CRC_LEN, FALSE, error);
}
