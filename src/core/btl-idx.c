/* btl-idx.c — IDX (MNIST-format) reader, plain or gzip. See btl-idx.h. */
#include "config.h"

#include "btl-idx.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "btl-dataset.h"
#include "btl-error.h"

#define IDX_TYPE_UBYTE 0x08
#define IDX_MAX_DIMS   4
#define READ_CHUNK     (256 * 1024)
/* First buffer for gzip data, grown as data really arrives (in elements). */
#define GZIP_INITIAL_ELEMENTS (1u << 20)

typedef struct
{
  const char *path;
  char       *display;       /* for messages */
  gzFile      gz;
  gboolean    compressed;
  guint64     file_size;     /* on disk */
  int         ndims;
  guint32     dims[IDX_MAX_DIMS];
  guint64     n_elements;    /* product of dims */
} IdxReader;

static void
idx_reader_close (IdxReader *r)
{
  if (r->gz != NULL)
    gzclose (r->gz);
  r->gz = NULL;
  g_clear_pointer (&r->display, g_free);
}

static gboolean
set_corrupt (IdxReader   *r,
             GError     **error,
             const char  *fmt,
             ...) G_GNUC_PRINTF (3, 4);

static gboolean
set_corrupt (IdxReader   *r,
             GError     **error,
             const char  *fmt,
             ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, fmt);
  what = g_strdup_vprintf (fmt, args);
  va_end (args);
  /* TRANSLATORS: a file name, then what is wrong with the file */
  g_set_error (error, BTL_ERROR, BTL_ERROR_CORRUPT, _("%s: %s"), r->display, what);
  return FALSE;
}

/* zlib's message without the "<fd:3>: " it puts first (the path it was
 * given by gzdopen): our message names the file already. */
static const char *
gz_reason (gzFile  gz,
           int    *zerr)
{
  const char *msg = gzerror (gz, zerr);
  const char *colon;

  if (msg != NULL && g_str_has_prefix (msg, "<fd:") && (colon = strstr (msg, ": ")) != NULL)
    msg = colon + 2;
  return msg;
}

/* Reads exactly len bytes; returns how many it got (< len at end of data),
 * or -1 with error set on a decompression or I/O error. */
static gssize
idx_read (IdxReader  *r,
          guint8     *buf,
          gsize       len,
          GError    **error)
{
  gsize got = 0;

  while (got < len)
    {
      unsigned want = (unsigned) MIN (len - got, (gsize) READ_CHUNK);
      int n = gzread (r->gz, buf + got, want);

      if (n < 0)
        {
          int zerr = Z_OK;
          const char *msg = gz_reason (r->gz, &zerr);

          if (zerr == Z_ERRNO)
            g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                         _("%s: %s"), r->display, g_strerror (errno));
          else if (zerr == Z_BUF_ERROR)
            set_corrupt (r, error, _("truncated (the gzip stream ends early)"));
          else
            set_corrupt (r, error, _("damaged gzip data (%s)"),
                         msg != NULL ? msg : _("unknown error"));
          return -1;
        }
      if (n == 0)
        {
          int zerr = Z_OK;
          const char *msg = gz_reason (r->gz, &zerr);

          /* A clean end leaves Z_OK; zlib flags a gzip stream cut off
           * (even just in its trailer) as Z_BUF_ERROR. */
          if (zerr == Z_BUF_ERROR)
            {
              set_corrupt (r, error, _("truncated (the gzip stream ends early)"));
              return -1;
            }
          if (zerr != Z_OK)
            {
              set_corrupt (r, error, _("damaged gzip data (%s)"),
                           msg != NULL ? msg : _("unknown error"));
              return -1;
            }
          break;
        }
      got += (gsize) n;
    }
  return (gssize) got;
}

/* Opens path and reads and checks the header against what the caller expects. */
static gboolean
idx_reader_open (IdxReader   *r,
                 const char  *path,
                 guint8       want_kind,      /* 0x01 labels, 0x03 images */
                 GError     **error)
{
  guint8 head[4 + 4 * IDX_MAX_DIMS];
  guint8 magic2[2];
  GStatBuf st;
  gssize got;
  int fd;

  memset (r, 0, sizeof *r);
  r->path = path;
  r->display = g_filename_display_name (path);

  /* O_NONBLOCK: a FIFO must not block the open (fstat refuses it next). */
  fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("%s: %s"), r->display, g_strerror (saved));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("%s: not a regular file"), r->display);
      return FALSE;
    }
  r->file_size = (guint64) st.st_size;
  if (r->file_size == 0)
    {
      close (fd);
      return set_corrupt (r, error, _("empty file"));
    }

  /* Peek at the gzip magic ourselves so we know which size checks apply. */
  if (pread (fd, magic2, 2, 0) == 2 && magic2[0] == 0x1f && magic2[1] == 0x8b)
    r->compressed = TRUE;

  r->gz = gzdopen (fd, "rb");
  if (r->gz == NULL)
    {
      close (fd);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
                   _("%s: cannot open (out of memory)"), r->display);
      return FALSE;
    }
  gzbuffer (r->gz, READ_CHUNK);

  got = idx_read (r, head, 4, error);
  if (got < 0)
    return FALSE;
  if (got < 4)
    return set_corrupt (r, error, _("truncated in the IDX header (%d of 4 magic bytes)"),
                        (int) got);
  if (head[0] != 0 || head[1] != 0)
    return set_corrupt (r, error, _("not an IDX file (bad magic %02x %02x %02x %02x)"),
                        head[0], head[1], head[2], head[3]);
  if (head[2] != IDX_TYPE_UBYTE)
    return set_corrupt (r, error,
                        _("unsupported IDX data type 0x%02x (only unsigned bytes, 0x08, are read)"),
                        head[2]);

  r->ndims = head[3];
  if (want_kind == 0x01 && r->ndims != 1)
    return set_corrupt (r, error, r->ndims == 3 || r->ndims == 4
                        ? _("is an IDX image file (magic 0x08%02x), not a label file (0x0801)")
                        : _("not an IDX label file (magic 0x08%02x, expected 0x0801)"),
                        r->ndims);
  if (want_kind == 0x03 && r->ndims != 3 && r->ndims != 4)
    return set_corrupt (r, error, r->ndims == 1
                        ? _("is an IDX label file (magic 0x08%02x), not an image file (0x0803)")
                        : _("not an IDX image file (magic 0x08%02x, expected 0x0803)"),
                        r->ndims);

  got = idx_read (r, head + 4, 4 * (gsize) r->ndims, error);
  if (got < 0)
    return FALSE;
  if (got < 4 * r->ndims)
    return set_corrupt (r, error, _("truncated in the IDX header (%d of %d dimension bytes)"),
                        (int) got, 4 * r->ndims);

  for (int i = 0; i < r->ndims; i++)
    {
      guint32 be;

      memcpy (&be, head + 4 + 4 * i, 4);
      r->dims[i] = GUINT32_FROM_BE (be);
      if (r->dims[i] == 0)
        return set_corrupt (r, error, _("dimension %d is 0"), i + 1);
    }

  /* Cap every partial product, so it never overflows 64 bits. */
  r->n_elements = 1;
  for (int i = 0; i < r->ndims; i++)
    {
      if (r->dims[i] > G_MAXINT32
          || r->n_elements * r->dims[i] > BTL_DATASET_MAX_BYTES / sizeof (float))
        {
          g_autoptr(GString) shape = g_string_new (NULL);

          for (int j = 0; j < r->ndims; j++)
            g_string_append_printf (shape, "%s%u", j > 0 ? "×" : "", r->dims[j]);
          g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                       want_kind == 0x01
                       ? _("%s: the header claims %s labels, above the limit of %llu "
                           "values (damaged file?)")
                       : _("%s: the header claims %s images, above the limit of %llu "
                           "values (damaged file?)"),
                       r->display, shape->str,
                       (unsigned long long) (BTL_DATASET_MAX_BYTES / sizeof (float)));
          return FALSE;
        }
      r->n_elements *= r->dims[i];
    }

  /* Plain files: the data size is known exactly, check it before allocating. */
  if (!r->compressed)
    {
      guint64 header = 4 + 4 * (guint64) r->ndims;
      guint64 have = r->file_size - header;

      if (have < r->n_elements)
        return set_corrupt (r, error,
                            _("truncated: the header promises %llu data bytes but only "
                              "%llu follow"),
                            (unsigned long long) r->n_elements, (unsigned long long) have);
      if (have > r->n_elements)
        return set_corrupt (r, error,
                            _("%llu unexpected bytes after the %llu data bytes the header "
                              "promises"),
                            (unsigned long long) (have - r->n_elements),
                            (unsigned long long) r->n_elements);
    }
  return TRUE;
}

/* Reads all n_elements data bytes and hands them, chunk by chunk, to sink.
 * For gzip data the caller's buffer is sized by what really arrives: sink gets
 * the running offset and grows its buffer itself. */
typedef gboolean (*IdxSink) (const guint8 *data,
                             gsize         len,
                             guint64       offset,
                             gpointer      user_data);

static gboolean
idx_reader_read_data (IdxReader  *r,
                      IdxSink     sink,
                      gpointer    user_data,
                      GError    **error)
{
  g_autofree guint8 *chunk = g_malloc (READ_CHUNK);
  guint64 offset = 0;
  guint8 extra;
  gssize got;

  while (offset < r->n_elements)
    {
      gsize want = (gsize) MIN ((guint64) READ_CHUNK, r->n_elements - offset);

      got = idx_read (r, chunk, want, error);
      if (got < 0)
        return FALSE;
      if (got > 0 && !sink (chunk, (gsize) got, offset, user_data))
        {
          g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                       _("%s: not enough memory for %llu values"),
                       r->display, (unsigned long long) r->n_elements);
          return FALSE;
        }
      offset += (guint64) got;
      if ((gsize) got < want)
        return set_corrupt (r, error,
                            _("truncated: the header promises %llu data bytes but the data "
                              "ends after %llu"),
                            (unsigned long long) r->n_elements, (unsigned long long) offset);
    }

  got = idx_read (r, &extra, 1, error);
  if (got < 0)
    return FALSE;
  if (got > 0)
    return set_corrupt (r, error, _("unexpected data after the %llu bytes the header promises"),
                        (unsigned long long) r->n_elements);
  return TRUE;
}

/* ------------------------------------------------------------- images */

typedef struct
{
  float   *buf;
  guint64  capacity;   /* elements */
  guint64  total;      /* elements the header promises */
  float    lut[256];
} FloatSink;

static gboolean
float_sink (const guint8 *data,
            gsize         len,
            guint64       offset,
            gpointer      user_data)
{
  FloatSink *s = user_data;

  if (offset + len > s->capacity)
    {
      guint64 cap = MAX (s->capacity * 2, offset + len);
      float *grown;

      cap = MIN (cap, s->total);
      grown = g_try_realloc (s->buf, cap * sizeof (float));
      if (grown == NULL)
        return FALSE;
      s->buf = grown;
      s->capacity = cap;
    }
  for (gsize i = 0; i < len; i++)
    s->buf[offset + i] = s->lut[data[i]];
  return TRUE;
}

gboolean
btl_idx_read_images (const char  *path,
                     int         *n_out,
                     int         *channels_out,
                     int         *height_out,
                     int         *width_out,
                     float      **images_out,
                     GError     **error)
{
  IdxReader r;
  FloatSink sink = { 0 };
  int n, h, w, c;
  gboolean ok;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (images_out != NULL, FALSE);

  if (!idx_reader_open (&r, path, 0x03, error))
    {
      idx_reader_close (&r);
      return FALSE;
    }

  n = (int) r.dims[0];
  h = (int) r.dims[1];
  w = (int) r.dims[2];
  c = r.ndims == 4 ? (int) r.dims[3] : 1;
  if (c != 1 && c != 3)
    {
      set_corrupt (&r, error, _("images with %d channels (only 1 or 3 are read)"), c);
      idx_reader_close (&r);
      return FALSE;
    }

  for (int i = 0; i < 256; i++)
    sink.lut[i] = (float) i / 255.0f;
  sink.total = r.n_elements;
  /* Plain sizes are verified already; gzip ones only once the data is there. */
  sink.capacity = r.compressed ? MIN (r.n_elements, (guint64) GZIP_INITIAL_ELEMENTS)
                               : r.n_elements;
  sink.buf = g_try_malloc (sink.capacity * sizeof (float));
  if (sink.buf == NULL)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("%s: not enough memory for %d images"), r.display, n);
      idx_reader_close (&r);
      return FALSE;
    }

  ok = idx_reader_read_data (&r, float_sink, &sink, error);
  idx_reader_close (&r);
  if (!ok)
    {
      g_free (sink.buf);
      return FALSE;
    }

  /* IDX stores colour pixels interleaved (HWC); the engine wants CHW rows. */
  if (c == 3)
    {
      size_t plane = (size_t) h * w;
      g_autofree float *row = g_new (float, plane * 3);

      for (int i = 0; i < n; i++)
        {
          float *img = sink.buf + (size_t) i * plane * 3;

          for (size_t p = 0; p < plane; p++)
            for (int ch = 0; ch < 3; ch++)
              row[ch * plane + p] = img[p * 3 + ch];
          memcpy (img, row, plane * 3 * sizeof (float));
        }
    }

  *n_out = n;
  *channels_out = c;
  *height_out = h;
  *width_out = w;
  *images_out = sink.buf;
  return TRUE;
}

/* ------------------------------------------------------------- labels */

typedef struct
{
  guint8  *buf;
  guint64  capacity;
  guint64  total;
} ByteSink;

static gboolean
byte_sink (const guint8 *data,
           gsize         len,
           guint64       offset,
           gpointer      user_data)
{
  ByteSink *s = user_data;

  if (offset + len > s->capacity)
    {
      guint64 cap = MIN (MAX (s->capacity * 2, offset + len), s->total);
      guint8 *grown = g_try_realloc (s->buf, cap);

      if (grown == NULL)
        return FALSE;
      s->buf = grown;
      s->capacity = cap;
    }
  memcpy (s->buf + offset, data, len);
  return TRUE;
}

gboolean
btl_idx_read_labels (const char  *path,
                     int         *n_out,
                     guint8     **labels_out,
                     GError     **error)
{
  IdxReader r;
  ByteSink sink = { 0 };
  gboolean ok;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (labels_out != NULL, FALSE);

  if (!idx_reader_open (&r, path, 0x01, error))
    {
      idx_reader_close (&r);
      return FALSE;
    }

  sink.total = r.n_elements;
  sink.capacity = r.compressed ? MIN (r.n_elements, (guint64) GZIP_INITIAL_ELEMENTS)
                               : r.n_elements;
  sink.buf = g_try_malloc (sink.capacity);
  if (sink.buf == NULL)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("%s: not enough memory for %llu labels"),
                   r.display, (unsigned long long) r.n_elements);
      idx_reader_close (&r);
      return FALSE;
    }

  ok = idx_reader_read_data (&r, byte_sink, &sink, error);
  idx_reader_close (&r);
  if (!ok)
    {
      g_free (sink.buf);
      return FALSE;
    }

  *n_out = (int) r.dims[0];
  *labels_out = sink.buf;
  return TRUE;
}
