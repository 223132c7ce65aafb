/* test-image-folder.c — a folder of pictures as a data set: seeded tiles,
 * split by picture, gray / RGB, and what happens with bad folders. */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>

#include "btl-dataset.h"
#include "btl-error.h"
#include "btl-image-folder.h"

typedef struct
{
  char *dir;
} Fixture;

/* A picture whose every pixel encodes which picture it is: red (or gray)
 * = 10·(index + 1), so any tile can be traced back to its source. Green and
 * blue vary with position so tiles differ. */
static void
write_picture (const char *dir,
               const char *name,
               int         index,
               int         width,
               int         height,
               gboolean    gray)
{
  g_autoptr (GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  guint8 *pixels = gdk_pixbuf_get_pixels (pb);
  int stride = gdk_pixbuf_get_rowstride (pb);
  const char *type = g_str_has_suffix (name, ".bmp") ? "bmp" : "png";

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + (gsize) y * stride + 3 * x;
        guint8 id = (guint8) (10 * (index + 1));

        p[0] = id;
        p[1] = gray ? id : (guint8) (x * 7 + y);
        p[2] = gray ? id : (guint8) (y * 5);
      }
  g_assert_true (gdk_pixbuf_save (pb, path, type, &error, NULL));
  g_assert_no_error (error);
}

static void
write_file (const char *dir,
            const char *name,
            const char *contents,
            gssize      len)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, len, &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("btl-image-folder-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr (GDir) d = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);

      g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->dir);
}

static void
write_ten (Fixture  *f,
           gboolean  gray)
{
  for (int i = 0; i < 10; i++)
    {
      g_autofree char *name = g_strdup_printf ("pic-%02d.%s", i, i % 3 == 0 ? "bmp" : "png");

      write_picture (f->dir, name, i, 40 + 3 * i, 36 + i, gray);
    }
}

/* Which picture (0..9) a tile came from, by its first plane's value. */
static int
tile_source (const BtlDataset *ds,
             int               i)
{
  const float *x = btl_dataset_image (ds, i);
  int v = (int) (x[0] * 255.0f + 0.5f);

  g_assert_cmpint (v % 10, ==, 0);
  for (int k = 1; k < ds->height * ds->width; k++)
    g_assert_cmpfloat (x[k], ==, x[0]);
  return v / 10 - 1;
}

static void
test_split_by_picture (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BtlDataset) train = NULL;
  g_autoptr (BtlDataset) test = NULL;
  g_auto (GStrv) notes = NULL;
  BtlImageFolderOptions opts;
  gboolean in_train[10] = { FALSE }, in_test[10] = { FALSE };
  int n_train_pics = 0, n_test_pics = 0;

  write_ten (f, FALSE);
  btl_image_folder_options_init (&opts);
  opts.tile_height = 16;
  opts.tile_width = 24;
  opts.channels = 3;
  opts.test_fraction = 0.3;

  g_assert_true (btl_image_folder_load (f->dir, &opts, &train, &test, &notes, &error));
  g_assert_no_error (error);
  g_assert_nonnull (notes);
  g_assert_cmpuint (g_strv_length (notes), ==, 0);

  g_assert_cmpint (train->channels, ==, 3);
  g_assert_cmpint (train->height, ==, 16);
  g_assert_cmpint (train->width, ==, 24);
  g_assert_cmpint (test->channels, ==, 3);
  g_assert_null (train->labels);
  g_assert_cmpint (train->n_classes, ==, 0);
  /* 16 tiles per picture (the lower bound: these are small). */
  g_assert_cmpint (train->n + test->n, ==, 10 * BTL_IMAGE_FOLDER_MIN_TILES_PER_IMAGE);
  g_assert_cmpint (test->n, ==, 3 * BTL_IMAGE_FOLDER_MIN_TILES_PER_IMAGE);

  for (int i = 0; i < train->n; i++)
    in_train[tile_source (train, i)] = TRUE;
  for (int i = 0; i < test->n; i++)
    in_test[tile_source (test, i)] = TRUE;
  for (int k = 0; k < 10; k++)
    {
      /* Every picture is in exactly one half. */
      g_assert_true (in_train[k] != in_test[k]);
      n_train_pics += in_train[k];
      n_test_pics += in_test[k];
    }
  g_assert_cmpint (n_train_pics, ==, 7);
  g_assert_cmpint (n_test_pics, ==, 3);

  /* Values are 8-bit and in [0, 1]. */
  for (int i = 0; i < btl_dataset_dim (train); i++)
    {
      float v = train->images[i];

      g_assert_cmpfloat (v, >=, 0.0f);
      g_assert_cmpfloat (v, <=, 1.0f);
      g_assert_cmpfloat (v * 255.0f - (float) (int) (v * 255.0f + 0.5f), <, 1e-4f);
    }
}

/* A validation third of pictures the training tiles never come from; the
 * test half is the one the two-way load gives (same tiles). */
static void
test_validation_pictures (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BtlDataset) train = NULL, val = NULL, test = NULL;
  g_autoptr (BtlDataset) train2 = NULL, test2 = NULL;
  g_autoptr (BtlDataset) train3 = NULL, val3 = NULL, test3 = NULL;
  BtlImageFolderOptions opts;
  int where[10];

  write_ten (f, TRUE);
  btl_image_folder_options_init (&opts);
  opts.tile_height = opts.tile_width = 8;
  opts.tiles_per_image = BTL_IMAGE_FOLDER_MIN_TILES_PER_IMAGE;
  opts.test_fraction = 0.3;
  opts.val_fraction = 0.2;
  g_assert_true (btl_image_folder_load_with_validation (f->dir, &opts, &train, &val, &test,
                                                        NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (val);
  g_assert_cmpint (val->channels, ==, 1);   /* gray pictures: one plane, like the rest */
  g_assert_cmpint (val->n, ==, 2 * BTL_IMAGE_FOLDER_MIN_TILES_PER_IMAGE);
  g_assert_cmpint (test->n, ==, 3 * BTL_IMAGE_FOLDER_MIN_TILES_PER_IMAGE);
  g_assert_cmpint (train->n, ==, 5 * BTL_IMAGE_FOLDER_MIN_TILES_PER_IMAGE);

  for (int k = 0; k < 10; k++)
    where[k] = -1;
  {
    const BtlDataset *halves[3] = { train, val, test };

    for (int h = 0; h < 3; h++)
      for (int i = 0; i < halves[h]->n; i++)
        {
          int k = tile_source (halves[h], i);

          /* Every picture is in exactly one of the three. */
          g_assert_true (where[k] == -1 || where[k] == h);
          where[k] = h;
        }
  }

  /* Asking for validation does not move the test half. */
  g_assert_true (btl_image_folder_load (f->dir, &opts, &train2, &test2, NULL, &error));
  g_assert_cmpint (test2->n, ==, test->n);
  g_assert_cmpmem (test2->images, (gsize) test->n * btl_dataset_dim (test) * sizeof (float),
                   test->images, (gsize) test->n * btl_dataset_dim (test) * sizeof (float));
  g_assert_cmpint (train2->n, ==, train->n + val->n);

  /* val_fraction 0: no validation half, every other picture trains. */
  opts.val_fraction = 0.0;
  g_assert_true (btl_image_folder_load_with_validation (f->dir, &opts, &train3, &val3, &test3,
                                                        NULL, &error));
  g_assert_null (val3);
  g_assert_cmpint (train3->n, ==, train2->n);

  opts.val_fraction = 0.7;
  g_assert_false (btl_image_folder_load_with_validation (f->dir, &opts, &train3, &val3, &test3,
                                                         NULL, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
}

static void
test_seeded (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr (BtlDataset) a_train = NULL, a_test = NULL;
  g_autoptr (BtlDataset) b_train = NULL, b_test = NULL;
  g_autoptr (BtlDataset) c_train = NULL, c_test = NULL;
  BtlImageFolderOptions opts;

  write_ten (f, FALSE);
  btl_image_folder_options_init (&opts);
  opts.tile_height = opts.tile_width = 8;
  opts.channels = 3;

  g_assert_true (btl_image_folder_load (f->dir, &opts, &a_train, &a_test, NULL, NULL));
  g_assert_true (btl_image_folder_load (f->dir, &opts, &b_train, &b_test, NULL, NULL));
  g_assert_cmpint (a_train->n, ==, b_train->n);
  g_assert_cmpint (a_test->n, ==, b_test->n);
  g_assert_cmpmem (a_train->images, (gsize) a_train->n * btl_dataset_dim (a_train) * sizeof (float),
                   b_train->images, (gsize) b_train->n * btl_dataset_dim (b_train) * sizeof (float));
  g_assert_cmpmem (a_test->images, (gsize) a_test->n * btl_dataset_dim (a_test) * sizeof (float),
                   b_test->images, (gsize) b_test->n * btl_dataset_dim (b_test) * sizeof (float));

  /* Another seed: other tiles (and most likely another split). */
  opts.seed = 12345;
  g_assert_true (btl_image_folder_load (f->dir, &opts, &c_train, &c_test, NULL, NULL));
  g_assert_true (c_train->n != a_train->n
                 || memcmp (c_train->images, a_train->images,
                            (gsize) a_train->n * btl_dataset_dim (a_train) * sizeof (float)) != 0);
}

static void
test_gray_and_channels (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr (BtlDataset) train = NULL, test = NULL;
  g_autoptr (BtlDataset) rgb_train = NULL, rgb_test = NULL;
  g_autoptr (BtlDataset) luma_train = NULL, luma_test = NULL;
  BtlImageFolderOptions opts;
  int dim;

  /* Gray pictures + auto channels → one channel. */
  write_ten (f, TRUE);
  btl_image_folder_options_init (&opts);
  opts.tile_height = opts.tile_width = 12;
  g_assert_true (btl_image_folder_load (f->dir, &opts, &train, &test, NULL, NULL));
  g_assert_cmpint (train->channels, ==, 1);
  g_assert_cmpint (test->channels, ==, 1);

  /* Forcing RGB keeps three equal planes, the same tiles as the gray set. */
  opts.channels = 3;
  g_assert_true (btl_image_folder_load (f->dir, &opts, &rgb_train, &rgb_test, NULL, NULL));
  g_assert_cmpint (rgb_train->channels, ==, 3);
  g_assert_cmpint (rgb_train->n, ==, train->n);
  dim = btl_dataset_dim (train);
  for (int i = 0; i < train->n; i++)
    for (int c = 0; c < 3; c++)
      g_assert_cmpmem (btl_dataset_image (rgb_train, i) + c * dim, dim * sizeof (float),
                       btl_dataset_image (train, i), dim * sizeof (float));

  /* A colour picture among them: auto becomes RGB; forced gray is luma. */
  write_picture (f->dir, "zz-colour.png", 11, 50, 50, FALSE);
  opts.channels = 0;
  g_clear_pointer (&train, btl_dataset_unref);
  g_clear_pointer (&test, btl_dataset_unref);
  g_assert_true (btl_image_folder_load (f->dir, &opts, &train, &test, NULL, NULL));
  g_assert_cmpint (train->channels, ==, 3);
  opts.channels = 1;
  g_assert_true (btl_image_folder_load (f->dir, &opts, &luma_train, &luma_test, NULL, NULL));
  g_assert_cmpint (luma_train->channels, ==, 1);
  g_assert_cmpint (luma_train->n + luma_test->n, ==, train->n + test->n);
}

static void
test_bad_folders (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr (BtlDataset) train = NULL, test = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "no-such-folder", NULL);
  BtlImageFolderOptions opts;

  /* Empty folder. */
  g_assert_false (btl_image_folder_detect (f->dir));
  g_assert_false (btl_image_folder_load (f->dir, NULL, &train, &test, NULL, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "no pictures"));
  g_clear_error (&error);

  /* Not a folder. */
  g_assert_false (btl_image_folder_load (missing, NULL, &train, &test, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);

  /* Only non-pictures and a corrupt "picture". */
  write_file (f->dir, "README.txt", "hello", -1);
  write_file (f->dir, "broken.png", "\x89PNG\r\n\x1a\n garbage", 17);
  g_assert_false (btl_image_folder_load (f->dir, NULL, &train, &test, NULL, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "broken.png"));
  g_clear_error (&error);

  /* One good picture is not enough to hold one out. */
  write_picture (f->dir, "one.png", 0, 40, 40, FALSE);
  g_assert_true (btl_image_folder_detect (f->dir));
  g_assert_false (btl_image_folder_load (f->dir, NULL, &train, &test, NULL, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "only one picture"));
  g_clear_error (&error);

  /* Bad options. */
  btl_image_folder_options_init (&opts);
  opts.channels = 2;
  g_assert_false (btl_image_folder_load (f->dir, &opts, &train, &test, NULL, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_clear_error (&error);
  btl_image_folder_options_init (&opts);
  opts.tile_width = 2;
  g_assert_false (btl_image_folder_load (f->dir, &opts, &train, &test, NULL, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_clear_error (&error);
  btl_image_folder_options_init (&opts);
  opts.test_fraction = 0.0;
  g_assert_false (btl_image_folder_load (f->dir, &opts, &train, &test, NULL, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (train);
  g_assert_null (test);
}

/* Corrupt, truncated and empty pictures are skipped with a note; the rest load. */
static void
test_skips_bad_pictures (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr (BtlDataset) train = NULL, test = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) notes = NULL;
  g_autofree char *good = NULL;
  g_autofree char *png = NULL;
  gsize len;
  BtlImageFolderOptions opts;

  write_ten (f, FALSE);
  /* A PNG cut in half: its header reads, its pixels do not. */
  good = g_build_filename (f->dir, "pic-01.png", NULL);
  g_assert_true (g_file_get_contents (good, &png, &len, NULL));
  write_file (f->dir, "half.png", png, (gssize) len / 2);
  write_file (f->dir, "empty.jpg", "", 0);
  write_file (f->dir, "notes.txt", "not a picture, silently ignored", -1);

  btl_image_folder_options_init (&opts);
  /* 24 × 24: every picture gets the minimum count of tiles. */
  opts.tile_height = opts.tile_width = 24;
  g_assert_true (btl_image_folder_load (f->dir, &opts, &train, &test, &notes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (notes), ==, 2);
  g_assert_nonnull (strstr (notes[0], "empty.jpg"));
  g_assert_nonnull (strstr (notes[1], "half.png"));
  /* The half picture was assigned a split but gave no tiles. */
  g_assert_cmpint (train->n + test->n, ==, 10 * BTL_IMAGE_FOLDER_MIN_TILES_PER_IMAGE);
}

/* Pictures smaller than a tile are scaled up; the cap bounds the total. */
static void
test_small_pictures_and_cap (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr (BtlDataset) train = NULL, test = NULL;
  g_autoptr (BtlDataset) train2 = NULL, test2 = NULL;
  BtlImageFolderOptions opts;

  for (int i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("tiny-%d.png", i);

      write_picture (f->dir, name, i, 5 + i, 3, TRUE);
    }
  btl_image_folder_options_init (&opts);
  opts.tile_height = opts.tile_width = 32;
  opts.test_fraction = 0.5;
  g_assert_true (btl_image_folder_load (f->dir, &opts, &train, &test, NULL, NULL));
  g_assert_cmpint (train->height, ==, 32);
  g_assert_cmpint (train->n, ==, 2 * BTL_IMAGE_FOLDER_MIN_TILES_PER_IMAGE);
  g_assert_cmpint (test->n, ==, 2 * BTL_IMAGE_FOLDER_MIN_TILES_PER_IMAGE);
  tile_source (train, 0);

  /* A 1 × 70000 sliver would grow into 32 × 2240000 pixels: skipped. */
  write_picture (f->dir, "sliver.png", 5, 1, 70000, TRUE);
  {
    g_autoptr (BtlDataset) tr = NULL, te = NULL;
    g_auto (GStrv) notes = NULL;

    g_assert_true (btl_image_folder_load (f->dir, &opts, &tr, &te, &notes, NULL));
    g_assert_cmpuint (g_strv_length (notes), ==, 1);
    g_assert_nonnull (strstr (notes[0], "sliver.png"));
    g_assert_cmpint (tr->n + te->n, ==, 4 * BTL_IMAGE_FOLDER_MIN_TILES_PER_IMAGE);
  }

  opts.max_tiles = 20;
  g_assert_true (btl_image_folder_load (f->dir, &opts, &train2, &test2, NULL, NULL));
  g_assert_cmpint (train2->n + test2->n, <=, 20);
  g_assert_cmpint (train2->n, >=, 1);
  g_assert_cmpint (test2->n, >=, 1);
}

/* btl_dataset_open reads a folder of pictures with the defaults. */
static void
test_dataset_open (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr (BtlDataset) train = NULL, test = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *base = g_path_get_basename (f->dir);

  write_ten (f, TRUE);
  g_assert_true (btl_dataset_open (f->dir, &train, &test, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (train->name, ==, base);
  g_assert_cmpint (train->channels, ==, 1);
  g_assert_cmpint (train->height, ==, 32);
  g_assert_cmpint (train->width, ==, 32);
  g_assert_cmpint (test->n, ==, 2 * BTL_IMAGE_FOLDER_MIN_TILES_PER_IMAGE);

  /* IDX files win over pictures. */
  write_file (f->dir, "train-images-idx3-ubyte", "", 0);
  g_assert_false (btl_image_folder_detect (f->dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/core/image-folder/split-by-picture", test_split_by_picture);
  ADD ("/core/image-folder/seeded", test_seeded);
  ADD ("/core/image-folder/validation-pictures", test_validation_pictures);
  ADD ("/core/image-folder/gray-and-channels", test_gray_and_channels);
  ADD ("/core/image-folder/bad-folders", test_bad_folders);
  ADD ("/core/image-folder/skips-bad-pictures", test_skips_bad_pictures);
  ADD ("/core/image-folder/small-pictures-and-cap", test_small_pictures_and_cap);
  ADD ("/core/image-folder/dataset-open", test_dataset_open);
#undef ADD

  return g_test_run ();
}
