/* conv-fixture.c — reader for the "BTLFIXT" reference-tensor files.
 * Format: see the docstring of gen-fixture-conv.py. */
#include "conv-fixture.h"

#include <math.h>
#include <string.h>

#define FIXTURE_MAGIC   "BTLFIXT"   /* 7 chars + NUL = 8 bytes */
#define FIXTURE_VERSION 1
#define FIXTURE_MAX_DIM 8

struct ConvFixture
{
  GHashTable *tensors;   /* name → FixTensor*, data borrowed from bytes */
  int         n_cases;
};

typedef struct
{
  gsize        n;
  const float *data;     /* a copy: the file's offsets need not be aligned */
} FixTensor;

static void
fix_tensor_free (gpointer p)
{
  FixTensor *t = p;

  g_free ((gpointer) t->data);
  g_free (t);
}

void
conv_fixture_free (ConvFixture *fix)
{
  if (fix == NULL)
    return;
  g_clear_pointer (&fix->tensors, g_hash_table_unref);
  g_free (fix);
}

/* Reads a little-endian uint32 at *pos if 4 bytes remain. */
static gboolean
read_u32 (const guint8 *buf,
          gsize         len,
          gsize        *pos,
          guint32      *out)
{
  guint32 v;

  if (len - *pos < 4)
    return FALSE;
  memcpy (&v, buf + *pos, 4);
  *out = GUINT32_FROM_LE (v);
  *pos += 4;
  return TRUE;
}

ConvFixture *
conv_fixture_load (const char  *name,
                   GError     **error)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", name, NULL);
  g_autofree char *contents = NULL;
  ConvFixture *fix;
  const guint8 *buf;
  gsize len, pos = 0;
  guint32 version, count;

  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  buf = (const guint8 *) contents;
  if (len < 16 || memcmp (buf, FIXTURE_MAGIC, 8) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s: not a fixture file (bad magic)", path);
      return NULL;
    }
  pos = 8;
  read_u32 (buf, len, &pos, &version);
  read_u32 (buf, len, &pos, &count);
  if (version != FIXTURE_VERSION)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s: fixture version %u, expected %d", path, version, FIXTURE_VERSION);
      return NULL;
    }

  fix = g_new0 (ConvFixture, 1);
  fix->tensors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, fix_tensor_free);
  for (guint32 i = 0; i < count; i++)
    {
      guint32 name_len, ndim, dim;
      guint64 n = 1;
      FixTensor *t;
      char *tname;

      if (!read_u32 (buf, len, &pos, &name_len) || name_len == 0 || name_len > 256
          || len - pos < name_len)
        goto truncated;
      tname = g_strndup ((const char *) buf + pos, name_len);
      pos += name_len;
      if (!read_u32 (buf, len, &pos, &ndim) || ndim < 1 || ndim > FIXTURE_MAX_DIM)
        {
          g_free (tname);
          goto truncated;
        }
      for (guint32 d = 0; d < ndim; d++)
        {
          if (!read_u32 (buf, len, &pos, &dim) || dim > (1u << 24))
            {
              g_free (tname);
              goto truncated;
            }
          n *= dim;
        }
      if (n > (len - pos) / sizeof (float))
        {
          g_free (tname);
          goto truncated;
        }
      t = g_new0 (FixTensor, 1);
      t->n = (gsize) n;
      t->data = g_memdup2 (buf + pos, t->n * sizeof (float));
#if G_BYTE_ORDER == G_BIG_ENDIAN
      for (gsize j = 0; j < t->n; j++)
        ((guint32 *) t->data)[j] = GUINT32_SWAP_LE_BE (((guint32 *) t->data)[j]);
#endif
      pos += t->n * sizeof (float);
      if (g_str_has_suffix (tname, "/geom"))
        fix->n_cases++;
      g_hash_table_replace (fix->tensors, tname, t);
    }
  if (pos != len)
    goto truncated;
  return fix;

truncated:
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
               "%s: truncated or corrupt at byte %" G_GSIZE_FORMAT, path, pos);
  conv_fixture_free (fix);
  return NULL;
}

int
conv_fixture_n_cases (const ConvFixture *fix)
{
  return fix->n_cases;
}

const float *
conv_fixture_get (const ConvFixture *fix,
                  int                case_index,
                  const char        *field,
                  gsize              n)
{
  g_autofree char *key = g_strdup_printf ("c%d/%s", case_index, field);
  FixTensor *t = g_hash_table_lookup (fix->tensors, key);

  if (t == NULL)
    g_error ("fixture has no tensor %s", key);
  if (t->n != n)
    g_error ("fixture tensor %s has %" G_GSIZE_FORMAT " values, expected %" G_GSIZE_FORMAT,
             key, t->n, n);
  return t->data;
}

double
conv_fixture_worst (const char  *label,
                    const float *got,
                    const float *want,
                    gsize        n,
                    double       atol,
                    double       rtol)
{
  double worst = 0.0, worst_abs = 0.0;
  gsize at = 0;

  for (gsize i = 0; i < n; i++)
    {
      double diff = fabs ((double) got[i] - (double) want[i]);
      double r = diff / (atol + rtol * fabs ((double) want[i]));

      /* NaN in got must fail, and NaN compares false: catch it explicitly. */
      if (isnan (got[i]) || isnan (r))
        r = INFINITY;
      if (r > worst || i == 0)
        {
          worst = r;
          worst_abs = diff;
          at = i;
        }
    }
  if (n > 0)
    g_test_message ("%-28s worst |diff| %.3g at [%" G_GSIZE_FORMAT "] (got %.9g, want %.9g), "
                    "%.3f of tolerance", label, worst_abs, at, got[at], want[at], worst);
  return worst;
}

void
conv_fixture_assert_close (const char  *label,
                           const float *got,
                           const float *want,
                           gsize        n,
                           double       atol,
                           double       rtol)
{
  double worst = conv_fixture_worst (label, got, want, n, atol, rtol);

  if (!(worst <= 1.0))
    g_test_message ("%s: beyond tolerance (atol %g, rtol %g)", label, atol, rtol);
  g_assert_cmpfloat (worst, <=, 1.0);
}
