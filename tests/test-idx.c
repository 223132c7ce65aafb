/* test-idx.c — the IDX reader and BtlDataset: valid files (plain and gzip),
 * every kind of damage we can think of, and the real Fashion-MNIST. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "btl-dataset.h"
#include "btl-error.h"

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = g_dir_make_tmp ("btl-idx-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->dir);
}

/* An IDX file's bytes: magic 0 0 type ndims, big-endian dims, then data. */
static GByteArray *
idx_bytes (guint8         type,
           int            ndims,
           const guint32 *dims,
           const guint8  *data,
           gsize          len)
{
  GByteArray *b = g_byte_array_new ();
  guint8 head[4] = { 0, 0, type, (guint8) ndims };

  g_byte_array_append (b, head, 4);
  for (int i = 0; i < ndims; i++)
    {
      guint32 be = GUINT32_TO_BE (dims[i]);
      g_byte_array_append (b, (guint8 *) &be, 4);
    }
  if (len > 0)
    g_byte_array_append (b, data, (guint) len);
  return b;
}

static char *
write_file (Fixture      *f,
            const char   *name,
            const guint8 *bytes,
            gsize         len,
            gboolean      gzip)
{
  char *path = g_build_filename (f->dir, name, NULL);

  if (gzip)
    {
      gzFile gz = gzopen (path, "wb");

      g_assert_nonnull (gz);
      if (len > 0)
        g_assert_cmpint (gzwrite (gz, bytes, (unsigned) len), ==, (int) len);
      g_assert_cmpint (gzclose (gz), ==, Z_OK);
    }
  else
    g_assert_true (g_file_set_contents_full (path, (const char *) bytes, (gssize) len,
                                             G_FILE_SET_CONTENTS_NONE, 0644, NULL));
  return path;
}

/* 5 images of 3×4, pixel p of image i = 40·i + p; labels 2 0 1 2 0 (3 classes). */
#define N_IMG 5
#define IMG_H 3
#define IMG_W 4
static const guint8 labels5[N_IMG] = { 2, 0, 1, 2, 0 };

static GByteArray *
sample_images (void)
{
  guint8 data[N_IMG * IMG_H * IMG_W];
  const guint32 dims[3] = { N_IMG, IMG_H, IMG_W };

  for (int i = 0; i < N_IMG; i++)
    for (int p = 0; p < IMG_H * IMG_W; p++)
      data[i * IMG_H * IMG_W + p] = (guint8) (40 * i + p);
  return idx_bytes (0x08, 3, dims, data, sizeof data);
}

static GByteArray *
sample_labels (void)
{
  const guint32 dims[1] = { N_IMG };

  return idx_bytes (0x08, 1, dims, labels5, N_IMG);
}

static void
check_sample (BtlDataset *ds)
{
  g_assert_nonnull (ds);
  g_assert_cmpint (ds->n, ==, N_IMG);
  g_assert_cmpint (ds->channels, ==, 1);
  g_assert_cmpint (ds->height, ==, IMG_H);
  g_assert_cmpint (ds->width, ==, IMG_W);
  g_assert_cmpint (btl_dataset_dim (ds), ==, IMG_H * IMG_W);
  for (int i = 0; i < N_IMG; i++)
    for (int p = 0; p < IMG_H * IMG_W; p++)
      g_assert_cmpfloat (btl_dataset_image (ds, i)[p], ==, (float) (40 * i + p) / 255.0f);
  g_assert_nonnull (ds->labels);
  g_assert_cmpmem (ds->labels, N_IMG, labels5, N_IMG);
  g_assert_cmpint (ds->n_classes, ==, 3);
  g_assert_cmpstr (btl_dataset_class_name (ds, 1), ==, "1");
  g_assert_cmpstr (btl_dataset_class_name (ds, 3), ==, "");
}

static void
test_valid (Fixture       *f,
            gconstpointer  data)
{
  gboolean gzip = GPOINTER_TO_INT (data);
  g_autoptr(GByteArray) img = sample_images ();
  g_autoptr(GByteArray) lab = sample_labels ();
  g_autofree char *ip = write_file (f, "img", img->data, img->len, gzip);
  g_autofree char *lp = write_file (f, "lab", lab->data, lab->len, gzip);
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlDataset) ds = NULL;
  g_autoptr(BtlDataset) unlabelled = NULL;

  ds = btl_dataset_load_idx (ip, lp, &error);
  g_assert_no_error (error);
  check_sample (ds);

  unlabelled = btl_dataset_load_idx (ip, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (unlabelled->labels);
  g_assert_cmpint (unlabelled->n_classes, ==, 0);
}

static void
test_rgb (Fixture       *f,
          gconstpointer  data)
{
  /* Two 2×2 RGB images stored HWC: pixel (y,x) channel c = 100·i + 10·(2y+x) + c. */
  const guint32 dims[4] = { 2, 2, 2, 3 };
  guint8 bytes[2 * 2 * 2 * 3];
  g_autoptr(GByteArray) img = NULL;
  g_autofree char *ip = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlDataset) ds = NULL;

  for (int i = 0; i < 2; i++)
    for (int p = 0; p < 4; p++)
      for (int c = 0; c < 3; c++)
        bytes[i * 12 + p * 3 + c] = (guint8) (100 * i + 10 * p + c);
  img = idx_bytes (0x08, 4, dims, bytes, sizeof bytes);
  ip = write_file (f, "rgb", img->data, img->len, FALSE);

  ds = btl_dataset_load_idx (ip, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->channels, ==, 3);
  g_assert_cmpint (btl_dataset_dim (ds), ==, 12);
  /* CHW: plane c, pixel p. */
  for (int i = 0; i < 2; i++)
    for (int c = 0; c < 3; c++)
      for (int p = 0; p < 4; p++)
        g_assert_cmpfloat (ds->images[i * 12 + c * 4 + p], ==,
                           (float) (100 * i + 10 * p + c) / 255.0f);
}

/* Loads (images, labels) expecting failure with domain/code and a message
 * that names the damaged file. */
static void
expect_error (const char *images,
              const char *labels,
              GQuark      domain,
              int         code,
              const char *culprit)
{
  g_autoptr(GError) error = NULL;
  BtlDataset *ds = btl_dataset_load_idx (images, labels, &error);
  g_autofree char *base = g_path_get_basename (culprit);

  g_assert_null (ds);
  g_assert_error (error, domain, code);
  g_test_message ("%s", error->message);
  if (strstr (error->message, base) == NULL)
    g_error ("error message “%s” does not name %s", error->message, base);
}

/* Every prefix of a valid file (shorter than the whole) must be refused. */
static void
test_truncated (Fixture       *f,
                gconstpointer  data)
{
  gboolean gzip = GPOINTER_TO_INT (data);
  g_autoptr(GByteArray) img = sample_images ();
  g_autoptr(GByteArray) lab = sample_labels ();
  g_autofree char *good_img = write_file (f, "good-img", img->data, img->len, gzip);
  g_autofree char *good_lab = write_file (f, "good-lab", lab->data, lab->len, gzip);
  g_autofree char *src_img = NULL, *src_lab = NULL;
  gsize img_len, lab_len;

  /* Truncate the bytes on disk: for gzip that is the compressed stream. */
  g_assert_true (g_file_get_contents (good_img, &src_img, &img_len, NULL));
  g_assert_true (g_file_get_contents (good_lab, &src_lab, &lab_len, NULL));

  for (gsize cut = 0; cut < img_len; cut++)
    {
      g_autofree char *p = write_file (f, "cut-img", (guint8 *) src_img, cut, FALSE);
      g_autoptr(GError) error = NULL;
      BtlDataset *ds = btl_dataset_load_idx (p, good_lab, &error);

      if (ds != NULL)
        g_error ("image file truncated to %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                 " bytes was accepted", cut, img_len);
      g_assert_error (error, BTL_ERROR, BTL_ERROR_CORRUPT);
      g_assert_nonnull (strstr (error->message, "cut-img"));
    }
  for (gsize cut = 0; cut < lab_len; cut++)
    {
      g_autofree char *p = write_file (f, "cut-lab", (guint8 *) src_lab, cut, FALSE);

      expect_error (good_img, p, BTL_ERROR, BTL_ERROR_CORRUPT, p);
    }
}

static void
test_bad_magic (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GByteArray) img = sample_images ();
  g_autoptr(GByteArray) lab = sample_labels ();
  g_autofree char *lp = write_file (f, "lab", lab->data, lab->len, FALSE);

  /* Flip each magic byte in turn (byte 3, the dimension count, included). */
  for (int i = 0; i < 4; i++)
    for (int bit = 0; bit < 8; bit++)
      {
        g_autoptr(GByteArray) bad = g_byte_array_new ();
        g_autofree char *p = NULL;

        g_byte_array_append (bad, img->data, img->len);
        bad->data[i] ^= (guint8) (1u << bit);
        p = write_file (f, "bad-magic", bad->data, bad->len, FALSE);
        expect_error (p, lp, BTL_ERROR, BTL_ERROR_CORRUPT, p);
      }
}

static void
test_wrong_type (Fixture       *f,
                 gconstpointer  data)
{
  const guint32 dims[3] = { 1, 2, 2 };
  const guint8 px[16] = { 0 };
  g_autoptr(GByteArray) floats = idx_bytes (0x0d, 3, dims, px, 16);
  g_autofree char *p = write_file (f, "floats", floats->data, floats->len, FALSE);
  g_autoptr(GByteArray) img = sample_images ();
  g_autoptr(GByteArray) lab = sample_labels ();
  g_autofree char *ip = write_file (f, "img", img->data, img->len, FALSE);
  g_autofree char *lp = write_file (f, "lab", lab->data, lab->len, FALSE);
  g_autoptr(GError) error = NULL;

  g_assert_null (btl_dataset_load_idx (p, NULL, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "type 0x0d"));
  g_clear_error (&error);

  /* Label and image files swapped. */
  g_assert_null (btl_dataset_load_idx (lp, ip, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "label file"));
  g_clear_error (&error);

  /* Four dimensions but 2 channels. */
  {
    const guint32 d4[4] = { 1, 1, 1, 2 };
    g_autoptr(GByteArray) two = idx_bytes (0x08, 4, d4, px, 2);
    g_autofree char *tp = write_file (f, "two-ch", two->data, two->len, FALSE);

    expect_error (tp, NULL, BTL_ERROR, BTL_ERROR_CORRUPT, tp);
  }
}

/* Headers that claim far more than the file holds: refused before allocating
 * (MALLOC_CHECK_ and the test's run time would show a giant allocation). */
static void
test_huge_counts (Fixture       *f,
                  gconstpointer  data)
{
  const guint8 px[64] = { 0 };
  const guint32 absurd[3] = { 0xffffffffu, 0xffffffffu, 0xffffffffu };
  const guint32 big[3] = { 500000, 28, 28 };      /* 1.5 GB of floats: allowed size */
  const guint32 zero[3] = { 5, 0, 4 };
  const guint32 nlab[1] = { 100000000 };   /* within limits, but absent */

  for (int gz = 0; gz < 2; gz++)
    {
      g_autoptr(GByteArray) a = idx_bytes (0x08, 3, absurd, px, sizeof px);
      g_autoptr(GByteArray) b = idx_bytes (0x08, 3, big, px, sizeof px);
      g_autoptr(GByteArray) z = idx_bytes (0x08, 3, zero, px, sizeof px);
      g_autoptr(GByteArray) l = idx_bytes (0x08, 1, nlab, px, sizeof px);
      g_autofree char *ap = write_file (f, "absurd", a->data, a->len, gz);
      g_autofree char *bp = write_file (f, "big", b->data, b->len, gz);
      g_autofree char *zp = write_file (f, "zero", z->data, z->len, gz);
      g_autofree char *lp = write_file (f, "many-labels", l->data, l->len, gz);
      g_autoptr(GByteArray) img = sample_images ();
      g_autofree char *ip = write_file (f, "img", img->data, img->len, gz);

      expect_error (ap, NULL, BTL_ERROR, BTL_ERROR_TOO_LARGE, ap);
      expect_error (bp, NULL, BTL_ERROR, BTL_ERROR_CORRUPT, bp);
      expect_error (zp, NULL, BTL_ERROR, BTL_ERROR_CORRUPT, zp);
      expect_error (ip, lp, BTL_ERROR, BTL_ERROR_CORRUPT, lp);
    }
}

static void
test_count_mismatch (Fixture       *f,
                     gconstpointer  data)
{
  const guint32 four[1] = { 4 };
  g_autoptr(GByteArray) img = sample_images ();
  g_autoptr(GByteArray) lab = idx_bytes (0x08, 1, four, labels5, 4);
  g_autofree char *ip = write_file (f, "img", img->data, img->len, TRUE);
  g_autofree char *lp = write_file (f, "lab4", lab->data, lab->len, FALSE);
  g_autoptr(GError) error = NULL;

  g_assert_null (btl_dataset_load_idx (ip, lp, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "lab4"));
  g_assert_nonnull (strstr (error->message, "img"));
  g_assert_nonnull (strstr (error->message, "4 labels"));
}

static void
test_trailing_data (Fixture       *f,
                    gconstpointer  data)
{
  for (int gz = 0; gz < 2; gz++)
    {
      g_autoptr(GByteArray) img = sample_images ();
      g_autofree char *p = NULL;

      g_byte_array_append (img, (const guint8 *) "xyz", 3);
      p = write_file (f, "trailing", img->data, img->len, gz);
      expect_error (p, NULL, BTL_ERROR, BTL_ERROR_CORRUPT, p);
    }
}

static void
test_damaged_gzip (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GByteArray) img = sample_images ();
  g_autofree char *good = write_file (f, "good.gz", img->data, img->len, TRUE);
  g_autofree char *bytes = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (good, &bytes, &len, NULL));
  /* Flip every byte after the gzip header: deflate data, CRC, length. */
  for (gsize i = 10; i < len; i++)
    {
      g_autofree char *p = NULL;
      g_autoptr(GError) error = NULL;
      BtlDataset *ds;

      bytes[i] ^= 0x5a;
      p = write_file (f, "flipped.gz", (guint8 *) bytes, len, FALSE);
      bytes[i] ^= 0x5a;
      ds = btl_dataset_load_idx (p, NULL, &error);
      if (ds != NULL)
        g_error ("gzip file with byte %" G_GSIZE_FORMAT " flipped was accepted", i);
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, "flipped.gz"));
      /* zlib's own "<fd:N>: " prefix is not passed on */
      g_assert_null (strstr (error->message, "<fd:"));
    }
}

static void
test_missing (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *none = g_build_filename (f->dir, "does-not-exist", NULL);
  g_autofree char *empty = write_file (f, "empty", (const guint8 *) "", 0, FALSE);
  g_autoptr(GByteArray) img = sample_images ();
  g_autofree char *ip = write_file (f, "img", img->data, img->len, FALSE);

  expect_error (none, NULL, G_FILE_ERROR, G_FILE_ERROR_NOENT, none);
  expect_error (ip, none, G_FILE_ERROR, G_FILE_ERROR_NOENT, none);
  expect_error (empty, NULL, BTL_ERROR, BTL_ERROR_CORRUPT, empty);
  expect_error (ip, empty, BTL_ERROR, BTL_ERROR_CORRUPT, empty);
  expect_error (f->dir, NULL, G_FILE_ERROR, G_FILE_ERROR_INVAL, f->dir);

  /* A FIFO: refused at once (the open used to wait for a writer). */
  {
    g_autofree char *fifo = g_build_filename (f->dir, "fifo", NULL);

    g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
    expect_error (fifo, NULL, G_FILE_ERROR, G_FILE_ERROR_INVAL, fifo);
    expect_error (ip, fifo, G_FILE_ERROR, G_FILE_ERROR_INVAL, fifo);
  }
}

/* A folder in MNIST layout, with both spellings and mixed compression. */
static void
test_open_folder (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GByteArray) img = sample_images ();
  g_autoptr(GByteArray) lab = sample_labels ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlDataset) train = NULL;
  g_autoptr(BtlDataset) test = NULL;
  g_autoptr(BtlDataset) sub = NULL;
  g_autoptr(BtlDataset) subsub = NULL;
  g_autofree char *p1 = write_file (f, "train-images-idx3-ubyte.gz", img->data, img->len, TRUE);
  g_autofree char *p2 = write_file (f, "train-labels-idx1-ubyte", lab->data, lab->len, FALSE);
  g_autofree char *p3 = write_file (f, "t10k-images.idx3-ubyte", img->data, img->len, FALSE);
  g_autofree char *p4 = write_file (f, "t10k-labels.idx1-ubyte.gz", lab->data, lab->len, TRUE);
  g_autofree char *base = g_path_get_basename (f->dir);
  int idx[8];

  g_assert_true (btl_dataset_open (f->dir, &train, &test, &error));
  g_assert_no_error (error);
  check_sample (train);
  check_sample (test);
  g_assert_cmpstr (train->name, ==, base);

  /* Subsets share pixels and keep their root alive. */
  sub = btl_dataset_subset (train, 1, 3);
  g_assert_cmpint (sub->n, ==, 3);
  g_assert_true (sub->images == train->images + btl_dataset_dim (train));
  g_assert_cmpint (sub->labels[0], ==, 0);
  subsub = btl_dataset_subset (sub, 2, 100);
  g_assert_cmpint (subsub->n, ==, 1);
  g_assert_cmpint (subsub->labels[0], ==, 2);
  g_assert_null (btl_dataset_subset (train, 5, 1));
  g_assert_null (btl_dataset_subset (train, -1, 1));
  g_clear_pointer (&train, btl_dataset_unref);
  g_assert_cmpfloat (btl_dataset_image (subsub, 0)[0], ==, 120.0f / 255.0f);
  g_assert_cmpstr (btl_dataset_class_name (subsub, 2), ==, "2");

  /* Showcase: cycles through classes 0, 1, 2, then the second of each. */
  g_assert_cmpint (btl_dataset_pick_showcase (test, 8, idx), ==, 5);
  g_assert_cmpint (idx[0], ==, 1);
  g_assert_cmpint (idx[1], ==, 2);
  g_assert_cmpint (idx[2], ==, 0);
  g_assert_cmpint (idx[3], ==, 4);
  g_assert_cmpint (idx[4], ==, 3);

  /* "fashion-mnist" follows BTL_DATA_DIR and brings the class names. */
  {
    g_autofree char *saved = g_strdup (g_getenv ("BTL_DATA_DIR"));
    g_autoptr(BtlDataset) ftrain = NULL;
    g_autoptr(BtlDataset) ftest = NULL;

    g_setenv ("BTL_DATA_DIR", f->dir, TRUE);
    g_assert_true (btl_dataset_open ("fashion-mnist", &ftrain, &ftest, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (ftest->name, ==, "fashion-mnist");
    g_assert_cmpint (ftest->n_classes, ==, 10);
    g_assert_cmpstr (btl_dataset_class_name (ftest, 8), ==, "Bag");
    if (saved != NULL)
      g_setenv ("BTL_DATA_DIR", saved, TRUE);
    else
      g_unsetenv ("BTL_DATA_DIR");
  }

  /* A folder missing its test half. */
  g_assert_cmpint (g_remove (p3), ==, 0);
  g_assert_false (btl_dataset_open (f->dir, &train, &test, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, "t10k-images"));
  g_clear_error (&error);

  g_assert_false (btl_dataset_open ("/nonexistent/data/set", &train, &test, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

static void
test_new_and_showcase (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlDataset) ds = btl_dataset_new ("made", 10, 3, 2, 2, 0, &error);
  g_autoptr(BtlDataset) many = NULL;
  int idx[4];

  g_assert_no_error (error);
  g_assert_cmpint (btl_dataset_dim (ds), ==, 12);
  g_assert_cmpfloat (ds->images[119], ==, 0.0f);
  /* No labels: evenly spaced. */
  g_assert_cmpint (btl_dataset_pick_showcase (ds, 4, idx), ==, 4);
  g_assert_cmpint (idx[0], ==, 0);
  g_assert_cmpint (idx[1], ==, 2);
  g_assert_cmpint (idx[3], ==, 7);

  many = btl_dataset_new ("many", 3, 1, 1, 1, 40, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (btl_dataset_class_name (many, 39), ==, "39");

  g_assert_null (btl_dataset_new ("bad", 0, 1, 1, 1, 0, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (btl_dataset_new ("huge", 1 << 30, 3, 64, 64, 0, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE);
}

static void
test_boxed (void)
{
  g_autoptr(BtlDataset) ds = btl_dataset_new ("boxed", 1, 1, 1, 1, 0, NULL);
  BtlDataset *copy = g_boxed_copy (BTL_TYPE_DATASET, ds);

  g_assert_true (copy == ds);
  g_boxed_free (BTL_TYPE_DATASET, copy);
  g_assert_cmpstr (ds->name, ==, "boxed");
}

static void
test_fashion_mnist (void)
{
  g_autofree char *dir = btl_dataset_default_dir ();
  g_autofree char *probe = g_build_filename (dir, "t10k-images-idx3-ubyte.gz", NULL);
  g_autoptr(BtlDataset) train = NULL;
  g_autoptr(BtlDataset) test = NULL;
  g_autoptr(GError) error = NULL;
  int counts[10] = { 0 };
  int idx[20];
  gboolean seen[10] = { FALSE };

  if (!g_file_test (probe, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("Fashion-MNIST not installed (dataset-fashion-mnist)");
      return;
    }

  g_assert_true (btl_dataset_open ("fashion-mnist", &train, &test, &error));
  g_assert_no_error (error);
  g_assert_cmpint (train->n, ==, 60000);
  g_assert_cmpint (test->n, ==, 10000);
  g_assert_cmpstr (train->name, ==, "fashion-mnist");
  for (BtlDataset *ds = train; ds != NULL; ds = ds == train ? test : NULL)
    {
      gsize total = (gsize) ds->n * btl_dataset_dim (ds);
      float lo = 1, hi = 0;

      g_assert_cmpint (ds->channels, ==, 1);
      g_assert_cmpint (ds->height, ==, 28);
      g_assert_cmpint (ds->width, ==, 28);
      g_assert_cmpint (ds->n_classes, ==, 10);
      for (gsize i = 0; i < total; i++)
        {
          lo = MIN (lo, ds->images[i]);
          hi = MAX (hi, ds->images[i]);
        }
      g_assert_cmpfloat (lo, ==, 0.0f);
      g_assert_cmpfloat (hi, ==, 1.0f);
      for (int i = 0; i < ds->n; i++)
        g_assert_cmpint (ds->labels[i], <, 10);
    }
  for (int i = 0; i < test->n; i++)
    counts[test->labels[i]]++;
  for (int k = 0; k < 10; k++)
    g_assert_cmpint (counts[k], ==, 1000);
  g_assert_cmpstr (btl_dataset_class_name (test, 0), ==, "T-shirt/top");
  g_assert_cmpstr (btl_dataset_class_name (test, 9), ==, "Ankle boot");

  g_assert_cmpint (btl_dataset_pick_showcase (test, 20, idx), ==, 20);
  for (int i = 0; i < 10; i++)
    {
      g_assert_cmpint (test->labels[idx[i]], ==, i);
      seen[test->labels[idx[i + 10]]] = TRUE;
    }
  for (int k = 0; k < 10; k++)
    g_assert_true (seen[k]);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("/core/idx/valid/plain", test_valid, GINT_TO_POINTER (FALSE));
  ADD ("/core/idx/valid/gzip", test_valid, GINT_TO_POINTER (TRUE));
  ADD ("/core/idx/valid/rgb", test_rgb, NULL);
  ADD ("/core/idx/truncated/plain", test_truncated, GINT_TO_POINTER (FALSE));
  ADD ("/core/idx/truncated/gzip", test_truncated, GINT_TO_POINTER (TRUE));
  ADD ("/core/idx/bad-magic", test_bad_magic, NULL);
  ADD ("/core/idx/wrong-type", test_wrong_type, NULL);
  ADD ("/core/idx/huge-counts", test_huge_counts, NULL);
  ADD ("/core/idx/count-mismatch", test_count_mismatch, NULL);
  ADD ("/core/idx/trailing-data", test_trailing_data, NULL);
  ADD ("/core/idx/damaged-gzip", test_damaged_gzip, NULL);
  ADD ("/core/idx/missing", test_missing, NULL);
  ADD ("/core/dataset/open-folder", test_open_folder, NULL);
#undef ADD
  g_test_add_func ("/core/dataset/new", test_new_and_showcase);
  g_test_add_func ("/core/dataset/boxed", test_boxed);
  g_test_add_func ("/core/dataset/fashion-mnist", test_fashion_mnist);

  return g_test_run ();
}
