/* btl-error.c — see btl-error.h. */
#include "config.h"

#include "btl-error.h"

#include <glib/gi18n-lib.h>

G_DEFINE_QUARK (btl-error-quark, btl_error)

gboolean
btl_error_from_nn (NnStatus        status,
                   const NnError  *nn_error,
                   GError        **error)
{
  BtlError code;

  if (status == NN_OK)
    return TRUE;

  switch (status)
    {
    case NN_ERR_SHAPE:     code = BTL_ERROR_SHAPE; break;
    case NN_ERR_DIVERGED:  code = BTL_ERROR_DIVERGED; break;
    case NN_ERR_CANCELLED: code = BTL_ERROR_CANCELLED; break;
    case NN_ERR_INVALID:   code = BTL_ERROR_INVALID; break;
    case NN_OK:
    case NN_ERR_NOMEM:
    default:               code = BTL_ERROR_FAILED; break;
    }

  if (nn_error != NULL && nn_error->message[0] != '\0')
    {
      /* The engine cuts long messages on a character boundary, but it
       * quotes what it was given (file contents, arguments) byte for byte. */
      g_autofree char *valid = g_utf8_make_valid (nn_error->message, -1);

      g_set_error_literal (error, BTL_ERROR, code, valid);
    }
  else
    g_set_error_literal (error, BTL_ERROR, code, _("Engine error"));
  return FALSE;
}

const char *
btl_error_translate_nn (const char *msgid)
{
  return g_dgettext (GETTEXT_PACKAGE, msgid);
}
