/* main.c — the bottleneck executable. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "btl-application.h"
#include "btl-blas.h"
#include "btl-error.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BtlApplication) app = NULL;

  /* Before GTK opens a display: this may start the program again. */
  btl_blas_ensure_kernels (argv);

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  nn_set_translate_func (btl_error_translate_nn);

  g_set_application_name (_("Bottleneck"));
  app = btl_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
