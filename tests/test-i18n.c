/* test-i18n.c — the engine's translation hook, and engine and core messages
 * in Chinese through the build tree's .mo (po/zh_CN/LC_MESSAGES). */
#include "config.h"

#include <glib.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "btl-error.h"
#include "btl-model-file.h"
#include "nn.h"

#define ARCH_EMPTY "arch is empty (e.g. 784-512-128-32 or c16k3s2,c32k3s2,d32)"

static const char *
hook_one (const char *msgid)
{
  return strcmp (msgid, ARCH_EMPTY) == 0 ? "架构为空（测试）" : msgid;
}

/* 2 ASCII bytes, then far more 3-byte characters than the message holds. */
static const char *
hook_long (const char *msgid)
{
  static char text[2 + 3 * 400 + 1];

  if (text[0] == '\0')
    {
      memcpy (text, "xy", 2);
      for (int i = 0; i < 400; i++)
        memcpy (text + 2 + 3 * i, "错", 3);
    }
  return text;
}

static void
test_hook (void)
{
  NnConfig cfg;
  NnError err = { 0 };

  nn_config_init_default (&cfg);
  nn_set_translate_func (hook_one);
  g_assert_cmpint (nn_config_set (&cfg, "arch", "", &err), ==, NN_ERR_INVALID);
  g_assert_cmpstr (err.message, ==, "架构为空（测试）");
  g_assert_cmpstr (err.msgid, ==, ARCH_EMPTY);   /* for callers that sort messages */
  g_assert_cmpstr (nn_translate ("(code)"), ==, "(code)");

  nn_set_translate_func (NULL);
  g_assert_cmpint (nn_config_set (&cfg, "arch", "", &err), ==, NN_ERR_INVALID);
  g_assert_cmpstr (err.message, ==, ARCH_EMPTY);
}

/* A message cut to fit NnError.message ends on a whole character, never in
 * the middle of one (vsnprintf alone would leave 2 bytes of a 3-byte one). */
static void
test_truncation (void)
{
  NnConfig cfg;
  NnError err = { 0 };

  nn_config_init_default (&cfg);
  nn_set_translate_func (hook_long);
  g_assert_cmpint (nn_config_set (&cfg, "arch", "", &err), ==, NN_ERR_INVALID);
  nn_set_translate_func (NULL);

  g_assert_true (g_utf8_validate (err.message, -1, NULL));
  g_assert_cmpuint (strlen (err.message), ==, 2 + 3 * ((sizeof err.message - 1 - 2) / 3));
  g_assert_true (g_str_has_prefix (err.message, "xy错错"));
}

/* The real catalogue: what the window and the CLI install at startup. */
static void
test_gettext (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL, *dir = NULL;
  NnConfig cfg;
  NnError err = { 0 };
  NnStatus st;

  nn_set_translate_func (btl_error_translate_nn);

  nn_config_init_default (&cfg);
  st = nn_config_set (&cfg, "arch", "784-abc", &err);
  g_assert_cmpint (st, ==, NN_ERR_INVALID);
  g_assert_false (btl_error_from_nn (st, &err, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_test_message ("arch 784-abc: %s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "架构“784-abc”："));
  g_clear_error (&error);

  /* The layer list's words. */
  g_assert_cmpstr (nn_translate ("(code)"), ==, "（编码）");

  /* A core file-format error, the engine's message inside it. */
  dir = g_dir_make_tmp ("btl-i18n-XXXXXX", NULL);
  path = g_build_filename (dir, "empty.btl", NULL);
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  g_assert_null (btl_model_file_load (path, NULL, NULL, &error));
  g_test_message ("empty .btl: %s", error->message);
  g_assert_nonnull (strstr (error->message, "不是 Bottleneck 模型文件（文件为空）"));
  g_unlink (path);
  g_rmdir (dir);

  nn_set_translate_func (NULL);
}

int
main (int   argc,
      char *argv[])
{
  const char *localedir = g_getenv ("BTL_TEST_LOCALEDIR");

  /* gettext ignores LANGUAGE in the C locale; the tests run in C.UTF-8. */
  g_setenv ("LANGUAGE", "zh_CN", TRUE);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/i18n/hook", test_hook);
  g_test_add_func ("/i18n/truncation", test_truncation);
  g_test_add_func ("/i18n/gettext", test_gettext);
  return g_test_run ();
}
