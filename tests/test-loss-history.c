/* test-loss-history.c — BtlLossHistory: accessors, "changed", the bytes
 * round trip, hostile bytes, CSV. No display needed. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "btl-error.h"
#include "btl-loss-history.h"

static void
count_changed (BtlLossHistory *history,
               int            *count)
{
  (*count)++;
}

/* A small history exercising every kind of entry. */
static BtlLossHistory *
make_history (void)
{
  BtlLossHistory *h = btl_loss_history_new ();

  for (int i = 0; i < 50; i++)
    btl_loss_history_add_step (h, i + 1, i / 25, 1.0 / (i + 1), 0.8 / (i + 1), 0.2 / (i + 1));
  btl_loss_history_add_epoch (h, 0, 25, 0.2, 0.25, 0.2, 0.05, 18.5);
  btl_loss_history_add_epoch (h, 1, 50, 0.1, 0.15, 0.12, 0.03, NAN);
  btl_loss_history_add_marker (h, 30, "lr → 3e-4");
  btl_loss_history_add_marker (h, 40, "say \"hi\", ok");
  btl_loss_history_set_best_epoch (h, 1);
  return h;
}

static void
test_accessors (void)
{
  g_autoptr(BtlLossHistory) h = btl_loss_history_new ();
  BtlLossStep s;
  BtlLossEpoch e;
  BtlLossMarker m;
  int changed = 0;

  g_signal_connect (h, "changed", G_CALLBACK (count_changed), &changed);
  g_assert_cmpuint (btl_loss_history_get_n_steps (h), ==, 0);
  g_assert_cmpint (btl_loss_history_get_best_epoch (h), ==, -1);
  g_assert_false (btl_loss_history_has_reg (h));

  btl_loss_history_add_step (h, 7, 0, 0.5, 0.5, 0.0);
  g_assert_cmpint (changed, ==, 1);
  g_assert_false (btl_loss_history_has_reg (h));
  btl_loss_history_add_step (h, 8, 1, 0.4, 0.3, 0.1);
  g_assert_true (btl_loss_history_has_reg (h));
  btl_loss_history_add_epoch (h, 0, 8, 0.45, 0.5, 0.4, 0.1, 20.0);
  btl_loss_history_add_marker (h, 8, "lr → 1e-3");
  btl_loss_history_set_best_epoch (h, 0);
  g_assert_cmpint (changed, ==, 5);
  /* Setting the same best epoch again is not a change. */
  btl_loss_history_set_best_epoch (h, 0);
  g_assert_cmpint (changed, ==, 5);

  g_assert_cmpuint (btl_loss_history_get_n_steps (h), ==, 2);
  btl_loss_history_get_step (h, 1, &s);
  g_assert_cmpint (s.step, ==, 8);
  g_assert_cmpint (s.epoch, ==, 1);
  g_assert_cmpfloat (s.train, ==, 0.4);
  g_assert_cmpfloat (s.recon, ==, 0.3);
  g_assert_cmpfloat (s.reg, ==, 0.1);
  g_assert_cmpfloat (btl_loss_history_peek_steps (h)[0].train, ==, 0.5);

  g_assert_cmpuint (btl_loss_history_get_n_epochs (h), ==, 1);
  btl_loss_history_get_epoch (h, 0, &e);
  g_assert_cmpint (e.step, ==, 8);
  g_assert_cmpfloat (e.val, ==, 0.5);
  g_assert_cmpfloat (e.test_psnr, ==, 20.0);

  g_assert_cmpuint (btl_loss_history_get_n_markers (h), ==, 1);
  btl_loss_history_get_marker (h, 0, &m);
  g_assert_cmpint (m.step, ==, 8);
  g_assert_cmpstr (m.label, ==, "lr → 1e-3");
  g_assert_cmpint (btl_loss_history_get_best_epoch (h), ==, 0);

  btl_loss_history_clear (h);
  g_assert_cmpint (changed, ==, 6);
  g_assert_cmpuint (btl_loss_history_get_n_steps (h), ==, 0);
  g_assert_cmpuint (btl_loss_history_get_n_epochs (h), ==, 0);
  g_assert_cmpuint (btl_loss_history_get_n_markers (h), ==, 0);
  g_assert_cmpint (btl_loss_history_get_best_epoch (h), ==, -1);
  g_assert_false (btl_loss_history_has_reg (h));
}

static void
test_marker_limits (void)
{
  g_autoptr(BtlLossHistory) h = btl_loss_history_new ();
  g_autofree char *long_label = NULL;
  GString *s = g_string_new (NULL);
  BtlLossMarker m;

  /* 3-byte characters, so the 1024-byte cut falls inside one. */
  for (int i = 0; i < 600; i++)
    g_string_append (s, "→");
  long_label = g_string_free (s, FALSE);
  btl_loss_history_add_marker (h, 1, long_label);
  btl_loss_history_add_marker (h, 2, "bad \xff utf8");

  btl_loss_history_get_marker (h, 0, &m);
  g_assert_cmpuint (strlen (m.label), <=, BTL_LOSS_HISTORY_MAX_LABEL);
  g_assert_cmpuint (strlen (m.label), >, BTL_LOSS_HISTORY_MAX_LABEL - 3);
  g_assert_true (g_utf8_validate (m.label, -1, NULL));
  btl_loss_history_get_marker (h, 1, &m);
  g_assert_true (g_utf8_validate (m.label, -1, NULL));
}

static void
assert_same (BtlLossHistory *a,
             BtlLossHistory *b)
{
  g_assert_cmpuint (btl_loss_history_get_n_steps (a), ==, btl_loss_history_get_n_steps (b));
  g_assert_cmpuint (btl_loss_history_get_n_epochs (a), ==, btl_loss_history_get_n_epochs (b));
  g_assert_cmpuint (btl_loss_history_get_n_markers (a), ==, btl_loss_history_get_n_markers (b));
  g_assert_cmpint (btl_loss_history_get_best_epoch (a), ==, btl_loss_history_get_best_epoch (b));
  g_assert_cmpint (btl_loss_history_has_reg (a), ==, btl_loss_history_has_reg (b));
  for (guint i = 0; i < btl_loss_history_get_n_steps (a); i++)
    {
      BtlLossStep x, y;

      btl_loss_history_get_step (a, i, &x);
      btl_loss_history_get_step (b, i, &y);
      g_assert_cmpint (x.step, ==, y.step);
      g_assert_cmpint (x.epoch, ==, y.epoch);
      g_assert_cmpfloat (x.train, ==, y.train);
      g_assert_cmpfloat (x.recon, ==, y.recon);
      g_assert_cmpfloat (x.reg, ==, y.reg);
    }
  for (guint i = 0; i < btl_loss_history_get_n_epochs (a); i++)
    {
      BtlLossEpoch x, y;

      btl_loss_history_get_epoch (a, i, &x);
      btl_loss_history_get_epoch (b, i, &y);
      g_assert_cmpint (x.epoch, ==, y.epoch);
      g_assert_cmpint (x.step, ==, y.step);
      g_assert_cmpfloat (x.train, ==, y.train);
      g_assert_cmpfloat (x.val, ==, y.val);
      g_assert_cmpfloat (x.val_recon, ==, y.val_recon);
      g_assert_cmpfloat (x.val_reg, ==, y.val_reg);
      /* NaN survives the trip as NaN. */
      g_assert_true ((isnan (x.test_psnr) && isnan (y.test_psnr)) || x.test_psnr == y.test_psnr);
    }
  for (guint i = 0; i < btl_loss_history_get_n_markers (a); i++)
    {
      BtlLossMarker x, y;

      btl_loss_history_get_marker (a, i, &x);
      btl_loss_history_get_marker (b, i, &y);
      g_assert_cmpint (x.step, ==, y.step);
      g_assert_cmpstr (x.label, ==, y.label);
    }
}

static void
test_bytes_round_trip (void)
{
  g_autoptr(BtlLossHistory) h = make_history ();
  g_autoptr(BtlLossHistory) empty = btl_loss_history_new ();
  g_autoptr(BtlLossHistory) back = NULL;
  g_autoptr(BtlLossHistory) back_empty = NULL;
  g_autoptr(GBytes) bytes = btl_loss_history_to_bytes (h);
  g_autoptr(GBytes) empty_bytes = btl_loss_history_to_bytes (empty);
  g_autoptr(GError) error = NULL;
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  /* The documented layout: header, 36-byte steps, 52-byte epochs, markers. */
  g_assert_cmpmem (data, 4, "BTLH", 4);
  g_assert_cmpuint (data[4], ==, BTL_LOSS_HISTORY_VERSION);
  g_assert_cmpuint (size, ==, 24 + 50 * 36 + 2 * 52
                    + (12 + strlen ("lr → 3e-4")) + (12 + strlen ("say \"hi\", ok")));
  g_assert_cmpuint (g_bytes_get_size (empty_bytes), ==, 24);

  back = btl_loss_history_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  assert_same (h, back);
  back_empty = btl_loss_history_new_from_bytes (empty_bytes, &error);
  g_assert_no_error (error);
  assert_same (empty, back_empty);
}

static void
expect_error (const guint8 *data,
              gsize         size,
              int           code)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlLossHistory) h = btl_loss_history_new_from_bytes (bytes, &error);

  g_assert_null (h);
  g_assert_error (error, BTL_ERROR, code);
  g_assert_nonnull (error->message);
}

static void
set_u32 (guint8  *p,
         guint32  v)
{
  v = GUINT32_TO_LE (v);
  memcpy (p, &v, 4);
}

static void
test_bytes_hostile (void)
{
  g_autoptr(BtlLossHistory) h = make_history ();
  g_autoptr(GBytes) bytes = btl_loss_history_to_bytes (h);
  gsize size;
  const guint8 *orig = g_bytes_get_data (bytes, &size);
  g_autofree guint8 *buf = g_malloc (size + 1);
  gsize marker_len_at;

  /* Every truncation is an error, never a crash or a partial history. */
  for (gsize n = 0; n < size; n++)
    expect_error (orig, n, BTL_ERROR_CORRUPT);

  /* Trailing garbage. */
  memcpy (buf, orig, size);
  buf[size] = 0;
  expect_error (buf, size + 1, BTL_ERROR_CORRUPT);

  /* Bad magic; newer version. */
  memcpy (buf, orig, size);
  buf[0] = 'X';
  expect_error (buf, size, BTL_ERROR_CORRUPT);
  memcpy (buf, orig, size);
  set_u32 (buf + 4, BTL_LOSS_HISTORY_VERSION + 1);
  expect_error (buf, size, BTL_ERROR_VERSION);

  /* Huge counts must be refused before allocating. */
  for (int field = 0; field < 3; field++)
    {
      memcpy (buf, orig, size);
      set_u32 (buf + 8 + 4 * field, 0xFFFFFFFFu);
      expect_error (buf, size, BTL_ERROR_CORRUPT);
      set_u32 (buf + 8 + 4 * field, 1000);
      expect_error (buf, size, BTL_ERROR_CORRUPT);
    }

  /* A best epoch below -1. */
  memcpy (buf, orig, size);
  set_u32 (buf + 20, (guint32) -7);
  expect_error (buf, size, BTL_ERROR_CORRUPT);

  /* Epoch numbers that are negative or that the 1-based display (epoch + 1)
   * would overflow: the first step's, the first epoch's, the best one. */
  {
    const gsize at[] = { 24 + 8, 24 + 50 * 36, 20 };
    const guint32 bad[] = { (guint32) -1, 0x7FFFFFFFu };

    for (guint i = 0; i < G_N_ELEMENTS (at); i++)
      for (guint j = 0; j < G_N_ELEMENTS (bad); j++)
        {
          if (i == 2 && j == 0)
            continue;   /* -1 is "no best epoch" */
          memcpy (buf, orig, size);
          set_u32 (buf + at[i], bad[j]);
          expect_error (buf, size, BTL_ERROR_CORRUPT);
        }
  }

  /* The first marker's length pointing past the end, then at invalid UTF-8. */
  marker_len_at = 24 + 50 * 36 + 2 * 52 + 8;
  memcpy (buf, orig, size);
  set_u32 (buf + marker_len_at, 0x7FFFFFFF);
  expect_error (buf, size, BTL_ERROR_CORRUPT);
  memcpy (buf, orig, size);
  buf[marker_len_at + 4] = 0xFF;
  expect_error (buf, size, BTL_ERROR_CORRUPT);
  memcpy (buf, orig, size);
  buf[marker_len_at + 4] = 0;
  expect_error (buf, size, BTL_ERROR_CORRUPT);

  /* Random byte flips: either a clean error or a valid history. */
  for (int i = 0; i < 2000; i++)
    {
      g_autoptr(GBytes) b = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(BtlLossHistory) r = NULL;

      memcpy (buf, orig, size);
      buf[g_test_rand_int_range (0, (int) size)] ^= (guint8) g_test_rand_int_range (1, 256);
      b = g_bytes_new (buf, size);
      r = btl_loss_history_new_from_bytes (b, &error);
      g_assert_true ((r == NULL) != (error == NULL));
    }
}

static void
test_csv (void)
{
  g_autoptr(BtlLossHistory) h = make_history ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("btl-history-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "history.csv", NULL);
  g_autofree char *bad = g_build_filename (dir, "no", "such", "dir.csv", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_no_error (error);
  g_assert_true (btl_loss_history_save_csv (h, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  lines = g_strsplit (text, "\n", -1);

  /* header + 50 steps + 2 epochs + 2 markers + the empty string after the last \n */
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 50 + 2 + 2 + 1);
  g_assert_cmpstr (lines[0], ==, "kind,step,epoch,train,recon,reg,val,val_recon,val_reg,test_psnr,label");
  g_assert_cmpstr (lines[1], ==, "step,1,1,1,0.8,0.2,,,,,");
  g_assert_cmpstr (lines[51], ==, "epoch,25,1,0.2,,,0.25,0.2,0.05,18.5,");
  /* The best epoch is flagged; the unknown PSNR is empty. */
  g_assert_cmpstr (lines[52], ==, "best_epoch,50,2,0.1,,,0.15,0.12,0.03,,");
  g_assert_cmpstr (lines[53], ==, "marker,30,,,,,,,,,\"lr → 3e-4\"");
  g_assert_cmpstr (lines[54], ==, "marker,40,,,,,,,,,\"say \"\"hi\"\", ok\"");
  g_assert_cmpstr (lines[55], ==, "");
  for (guint i = 0; i < 55; i++)
    {
      /* Every row has the header's 11 columns (no label here contains commas
       * outside quotes except the escaped one, checked above). */
      if (i != 54)
        {
          g_auto(GStrv) cols = g_strsplit (lines[i], ",", -1);
          g_assert_cmpuint (g_strv_length (cols), ==, 11);
        }
    }

  /* An unwritable path is an error, not a crash. */
  g_assert_false (btl_loss_history_save_csv (h, bad, &error));
  g_assert_nonnull (error);

  g_unlink (path);
  g_rmdir (dir);
}

/* A copy is deep and independent: a plot's drawing thread reads it while
 * the run keeps appending to the original. */
/* A PSNR measured later lands on the epoch that ended at its step, only. */
static void
test_set_test_psnr (void)
{
  g_autoptr(BtlLossHistory) h = btl_loss_history_new ();
  BtlLossEpoch e;
  int changed = 0;

  btl_loss_history_add_epoch (h, 0, 10, 0.3, 0.31, 0.2, 0.11, NAN);
  btl_loss_history_add_epoch (h, 1, 20, 0.2, 0.21, 0.1, 0.11, 15.0);
  btl_loss_history_add_epoch (h, 2, 30, 0.1, 0.11, 0.05, 0.06, NAN);
  g_signal_connect (h, "changed", G_CALLBACK (count_changed), &changed);

  btl_loss_history_set_test_psnr (h, 30, 18.25);
  btl_loss_history_get_epoch (h, 2, &e);
  g_assert_cmpfloat (e.test_psnr, ==, 18.25);
  g_assert_cmpint (changed, ==, 1);
  btl_loss_history_set_test_psnr (h, 10, 12.5);
  btl_loss_history_get_epoch (h, 0, &e);
  g_assert_cmpfloat (e.test_psnr, ==, 12.5);
  /* Not an epoch's end, or past the last one: nothing changes. */
  btl_loss_history_set_test_psnr (h, 25, 99);
  btl_loss_history_set_test_psnr (h, 31, 99);
  btl_loss_history_set_test_psnr (h, 30, 18.25);
  g_assert_cmpint (changed, ==, 2);
  btl_loss_history_get_epoch (h, 1, &e);
  g_assert_cmpfloat (e.test_psnr, ==, 15.0);
  btl_loss_history_get_epoch (h, 2, &e);
  g_assert_cmpfloat (e.test_psnr, ==, 18.25);
}

static void
test_copy (void)
{
  g_autoptr(BtlLossHistory) h = btl_loss_history_new ();
  g_autoptr(BtlLossHistory) copy = NULL;
  g_autoptr(GBytes) a = NULL;
  g_autoptr(GBytes) b = NULL;
  BtlLossMarker m;

  for (int i = 0; i < 50; i++)
    btl_loss_history_add_step (h, i + 1, i / 10, 1.0 / (i + 1), 0.5 / (i + 1), 0.1);
  btl_loss_history_add_epoch (h, 0, 10, 0.3, 0.31, 0.2, 0.11, 17.5);
  btl_loss_history_add_marker (h, 20, "lr → 1e-4");
  btl_loss_history_set_best_epoch (h, 0);

  copy = btl_loss_history_copy (h);
  a = btl_loss_history_to_bytes (h);
  b = btl_loss_history_to_bytes (copy);
  g_assert_true (g_bytes_equal (a, b));
  g_assert_true (btl_loss_history_has_reg (copy));

  btl_loss_history_add_step (h, 51, 5, 0.01, 0.01, 0);
  btl_loss_history_add_marker (h, 51, "noise → 0.1");
  btl_loss_history_clear (h);
  g_assert_cmpuint (btl_loss_history_get_n_steps (copy), ==, 50);
  g_assert_cmpuint (btl_loss_history_get_n_markers (copy), ==, 1);
  btl_loss_history_get_marker (copy, 0, &m);
  g_assert_cmpstr (m.label, ==, "lr → 1e-4");
  g_assert_cmpint (btl_loss_history_get_best_epoch (copy), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/loss-history/accessors", test_accessors);
  g_test_add_func ("/core/loss-history/marker-limits", test_marker_limits);
  g_test_add_func ("/core/loss-history/bytes-round-trip", test_bytes_round_trip);
  g_test_add_func ("/core/loss-history/bytes-hostile", test_bytes_hostile);
  g_test_add_func ("/core/loss-history/csv", test_csv);
  g_test_add_func ("/core/loss-history/copy", test_copy);
  g_test_add_func ("/core/loss-history/set-test-psnr", test_set_test_psnr);

  return g_test_run ();
}
