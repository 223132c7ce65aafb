/* btl-config-panel.c — the configuration sidebar.
 *
 * The panel keeps the last configuration that passed every per-key check
 * (`config`). On any edit it re-reads all controls onto a copy, key by key,
 * through nn_config_set(): a key the engine refuses keeps its previous value
 * and shows the engine's message under its control, so what the sidebar
 * accepts and what the CLI accepts can never drift apart.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "btl-config-panel.h"
#include "btl-render-cache.h"
#include "btl-wheel.h"

struct _BtlConfigPanel
{
  GtkWidget       parent_instance;
  BtlRenderCache  render_cache;  /* while training, the panel stays still */

  /* template widgets */
  GtkWidget      *box;
  GtkDropDown    *kind;
  GtkEntry       *arch;
  GtkSpinButton  *latent;
  GtkDropDown    *activation;
  GtkDropDown    *loss;
  GtkCheckButton *batch_norm;
  GtkSpinButton  *dropout;
  GtkDropDown    *noise;
  GtkSpinButton  *noise_level;
  GtkDropDown    *sparsity;
  GtkEntry       *sparsity_param;
  GtkEntry       *beta;
  GtkDropDown    *optimizer;
  GtkEntry       *lr;
  GtkSpinButton  *batch;
  GtkSpinButton  *epochs;
  GtkSpinButton  *seed;
  GtkSpinButton  *threads;
  GtkSpinButton  *limit;
  GtkWidget      *folder_tile_label;
  GtkSpinButton  *folder_tile;
  GtkWidget      *folder_channels_label;
  GtkDropDown    *folder_channels;
  GtkLabel       *summary_error;
  GtkLabel       *preview;
  GtkLabel       *param_count;

  /* owned */
  GHashTable     *error_labels;    /* "lr_error" → the error line under lr */

  /* state */
  NnConfig        config;          /* last accepted values, key by key */
  char           *last_arch;       /* to tell an arch edit from a latent edit */
  int             last_latent;
  guint           folder_timeout_id;
  guint           updating : 1;    /* controls being set from code */
  guint           valid : 1;
  guint           refused : 1;     /* a control shows a refused value */
  guint           training : 1;
  guint           commit_live : 1;  /* Enter or focus-out on lr / β */
};

G_DEFINE_FINAL_TYPE (BtlConfigPanel, btl_config_panel, GTK_TYPE_WIDGET)

enum {
  CHANGED,
  LIVE_CHANGED,
  FOLDER_OPTIONS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Dropdown rows ↔ the engine's text form, in the order of the .ui lists. */
static const char *const kind_keys[] = { "plain", "denoising", "sparse", "vae" };
static const NnKind kind_values[] = { NN_KIND_PLAIN, NN_KIND_DENOISING, NN_KIND_SPARSE, NN_KIND_VAE };
static const char *const act_keys[] = { "relu", "leaky_relu", "tanh", "sigmoid", "identity" };
static const NnActivation act_values[] = {
  NN_ACT_RELU, NN_ACT_LEAKY_RELU, NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_IDENTITY
};
static const char *const loss_keys[] = { "mse", "bce" };
static const NnLoss loss_values[] = { NN_LOSS_MSE, NN_LOSS_BCE };
static const char *const optim_keys[] = { "adam", "sgd" };
static const NnOptimizer optim_values[] = { NN_OPTIM_ADAM, NN_OPTIM_SGD };
static const NnNoise noise_values[] = { NN_NOISE_NONE, NN_NOISE_GAUSSIAN, NN_NOISE_MASK };
static const NnSparsity sparsity_values[] = { NN_SPARSITY_NONE, NN_SPARSITY_L1, NN_SPARSITY_KL };

#define FIND_INDEX(values, v) find_index ((const int *) (values), G_N_ELEMENTS (values), (int) (v))

static guint
find_index (const int *values,
            guint      n,
            int        v)
{
  for (guint i = 0; i < n; i++)
    if (values[i] == v)
      return i;
  return 0;
}

static const char *
key_at (const char *const *keys,
        guint              n,
        guint              i)
{
  return keys[MIN (i, n - 1)];
}

/* Locale-independent: the engine parses C-locale numbers. */
static char *
format_double (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%g", v));
}

/* The code size is the architecture's last item when that item is a plain
 * number ("…-32") or a dense item ("…,d32"); -1 otherwise. */
static int
arch_latent (const char *arch)
{
  const char *last = strrchr (arch, '-');
  const char *comma = strrchr (arch, ',');

  if (comma > last)
    last = comma;
  last = last ? last + 1 : arch;
  if (*last == 'd')
    last++;
  if (*last == '\0')
    return -1;
  for (const char *p = last; *p; p++)
    if (!g_ascii_isdigit (*p))
      return -1;
  return (int) g_ascii_strtoll (last, NULL, 10);
}

static char *
arch_with_latent (const char *arch,
                  int         latent)
{
  const char *end = arch + strlen (arch);
  const char *p = end;

  while (p > arch && g_ascii_isdigit (p[-1]))
    p--;
  return g_strdup_printf ("%.*s%d", (int) (p - arch), arch, latent);
}

static void
show_field_error (GtkWidget  *control,
                  GtkWidget  *error_label,
                  const char *message)
{
  gtk_label_set_text (GTK_LABEL (error_label), message ? message : "");
  gtk_widget_set_visible (error_label, message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (control, "error");
  else
    gtk_widget_remove_css_class (control, "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (control),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  message ? message : "",
                                  -1);
}

static GtkWidget *
error_label_for (BtlConfigPanel *self,
                 const char     *key)
{
  g_autofree char *name = g_strdup_printf ("%s_error", key);
  GtkWidget *label = g_hash_table_lookup (self->error_labels, name);

  g_assert (label != NULL);
  return label;
}

/* Applies one key to cfg; shows or clears its error. A refused value keeps
 * the old one in cfg, but the sidebar then shows something other than what
 * would be trained: self->refused makes the configuration invalid until the
 * field is corrected. */
static void
apply_key (BtlConfigPanel *self,
           NnConfig       *cfg,
           const char     *key,
           GtkWidget      *control,
           const char     *value)
{
  NnConfig tmp = *cfg;
  NnError err = { 0 };
  g_autofree char *stripped = g_strstrip (g_strdup (value));

  /* " 3e-4" with a stray space is still what the person meant. */
  if (nn_config_set (&tmp, key, stripped, &err) == NN_OK)
    {
      *cfg = tmp;
      show_field_error (control, error_label_for (self, key), NULL);
    }
  else
    {
      show_field_error (control, error_label_for (self, key),
                        err.message[0] ? err.message : _("Invalid value"));
      self->refused = TRUE;
    }
}

static void on_control_changed (BtlConfigPanel *self);

/* While training, a typed learning rate or β reaches the run only on Enter
 * or when the entry loses focus: typing "3e-4" must not train a few steps
 * at lr = 3 on the way. Until then the text is only checked. */
static void
apply_live_key (BtlConfigPanel *self,
                NnConfig       *cfg,
                const char     *key,
                GtkWidget      *control,
                const char     *value)
{
  NnConfig scratch = *cfg;

  if (self->training && !self->commit_live)
    apply_key (self, &scratch, key, control, value);
  else
    apply_key (self, cfg, key, control, value);
}

static void
on_live_entry_commit (BtlConfigPanel *self)
{
  self->commit_live = TRUE;
  on_control_changed (self);
  self->commit_live = FALSE;
}

static void
on_live_entry_leave (GtkEventControllerFocus *controller,
                     BtlConfigPanel          *self)
{
  on_live_entry_commit (self);
}

static void
format_thousands (GString *out,
                  guint64  n)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
}

static void
update_preview (BtlConfigPanel *self)
{
  NnError err = { 0 };
  NnModel *model;
  const char *message = NULL;
  gboolean shown_in_place = FALSE;

  self->valid = FALSE;
  if (self->refused)
    {
      /* The reason is under the field; the preview shows the last accepted
       * configuration, which is not the one on screen. */
      gtk_widget_set_visible (GTK_WIDGET (self->summary_error), FALSE);
      return;
    }
  if (nn_config_validate (&self->config, &err) != NN_OK)
    {
      message = err.message;
      /* Most whole-configuration problems are the architecture not fitting
       * the input: say so where it was typed (the English format names it,
       * whatever language the message is in). */
      if (err.msgid != NULL && strstr (err.msgid, "arch") != NULL &&
          !gtk_widget_get_visible (error_label_for (self, "arch")))
        {
          show_field_error (GTK_WIDGET (self->arch), error_label_for (self, "arch"), message);
          shown_in_place = TRUE;
        }
    }
  else if ((model = nn_model_new (&self->config, &err)) == NULL)
    message = err.message[0] ? err.message : _("The model cannot be built");
  else
    {
      size_t len = nn_model_describe (model, NULL, 0);
      g_autofree char *text = g_malloc (len + 1);
      g_autoptr(GString) count = g_string_new (NULL);

      nn_model_describe (model, text, len + 1);
      g_strchomp (text);
      gtk_label_set_text (self->preview, text);

      format_thousands (count, nn_model_n_params (model));
      g_string_prepend (count, " ");
      /* Translators: preceded by a number such as "1,234,567" */
      g_string_append (count, _(" parameters"));
      g_string_erase (count, 0, 1);
      gtk_label_set_text (self->param_count, count->str);
      nn_model_free (model);
      self->valid = TRUE;
    }

  gtk_label_set_text (self->summary_error, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->summary_error), message != NULL && !shown_in_place);
  if (message != NULL)
    {
      gtk_label_set_text (self->preview, "");
      gtk_label_set_text (self->param_count, "");
    }
}

static void
on_control_changed (BtlConfigPanel *self)
{
  NnConfig cfg = self->config;
  NnConfig before = self->config;
  const char *arch_text;
  int latent;
  guint i;

  if (self->updating)
    return;

  /* An edit of the latent size rewrites the architecture's last item; an edit
   * of the architecture moves the latent spin. */
  self->updating = TRUE;
  arch_text = gtk_editable_get_text (GTK_EDITABLE (self->arch));
  latent = gtk_spin_button_get_value_as_int (self->latent);
  if (g_strcmp0 (arch_text, self->last_arch) != 0)
    {
      int l = arch_latent (arch_text);

      gtk_widget_set_sensitive (GTK_WIDGET (self->latent), l > 0 && !self->training);
      if (l > 0)
        gtk_spin_button_set_value (self->latent, l);
    }
  else if (latent != self->last_latent && arch_latent (arch_text) > 0)
    {
      g_autofree char *new_arch = arch_with_latent (arch_text, latent);

      gtk_editable_set_text (GTK_EDITABLE (self->arch), new_arch);
    }
  self->updating = FALSE;

  arch_text = gtk_editable_get_text (GTK_EDITABLE (self->arch));
  g_free (self->last_arch);
  self->last_arch = g_strdup (arch_text);
  self->last_latent = gtk_spin_button_get_value_as_int (self->latent);

  self->refused = FALSE;
  i = gtk_drop_down_get_selected (self->kind);
  apply_key (self, &cfg, "kind", GTK_WIDGET (self->kind),
             key_at (kind_keys, G_N_ELEMENTS (kind_keys), i));
  apply_key (self, &cfg, "arch", GTK_WIDGET (self->arch), arch_text);
  i = gtk_drop_down_get_selected (self->activation);
  apply_key (self, &cfg, "activation", GTK_WIDGET (self->activation),
             key_at (act_keys, G_N_ELEMENTS (act_keys), i));
  i = gtk_drop_down_get_selected (self->loss);
  apply_key (self, &cfg, "loss", GTK_WIDGET (self->loss),
             key_at (loss_keys, G_N_ELEMENTS (loss_keys), i));
  apply_key (self, &cfg, "batch_norm", GTK_WIDGET (self->batch_norm),
             gtk_check_button_get_active (self->batch_norm) ? "true" : "false");

  {
    g_autofree char *dropout = format_double (gtk_spin_button_get_value (self->dropout));
    g_autofree char *level = format_double (gtk_spin_button_get_value (self->noise_level));
    g_autofree char *noise = NULL;
    g_autofree char *sparsity = NULL;
    const char *param = gtk_editable_get_text (GTK_EDITABLE (self->sparsity_param));

    apply_key (self, &cfg, "dropout", GTK_WIDGET (self->dropout), dropout);

    switch (gtk_drop_down_get_selected (self->noise))
      {
      case 1:  noise = g_strdup_printf ("gaussian:%s", level); break;
      case 2:  noise = g_strdup_printf ("mask:%s", level); break;
      default: noise = g_strdup ("none"); break;
      }
    gtk_widget_set_sensitive (GTK_WIDGET (self->noise_level),
                              gtk_drop_down_get_selected (self->noise) != 0);
    apply_key (self, &cfg, "noise", GTK_WIDGET (self->noise), noise);

    switch (gtk_drop_down_get_selected (self->sparsity))
      {
      case 1:  sparsity = g_strdup_printf ("l1:%s", param); break;
      case 2:  sparsity = g_strdup_printf ("kl:%s", param); break;
      default: sparsity = g_strdup ("none"); break;
      }
    gtk_widget_set_sensitive (GTK_WIDGET (self->sparsity_param),
                              gtk_drop_down_get_selected (self->sparsity) != 0 && !self->training);
    /* Only the weight can be refused: it is what turns red and carries
     * the reason for a screen reader (the drop-down showed neither). */
    apply_key (self, &cfg, "sparsity", GTK_WIDGET (self->sparsity_param), sparsity);
  }

  apply_live_key (self, &cfg, "beta", GTK_WIDGET (self->beta),
                  gtk_editable_get_text (GTK_EDITABLE (self->beta)));
  i = gtk_drop_down_get_selected (self->optimizer);
  apply_key (self, &cfg, "optimizer", GTK_WIDGET (self->optimizer),
             key_at (optim_keys, G_N_ELEMENTS (optim_keys), i));
  apply_live_key (self, &cfg, "lr", GTK_WIDGET (self->lr),
                  gtk_editable_get_text (GTK_EDITABLE (self->lr)));

  {
    struct { const char *key; GtkSpinButton *spin; } ints[] = {
      { "batch", self->batch }, { "epochs", self->epochs },
      { "seed", self->seed }, { "threads", self->threads },
    };

    for (i = 0; i < G_N_ELEMENTS (ints); i++)
      {
        g_autofree char *text = g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (ints[i].spin));

        apply_key (self, &cfg, ints[i].key, GTK_WIDGET (ints[i].spin), text);
      }
  }

  self->config = cfg;
  update_preview (self);

  g_signal_emit (self, signals[CHANGED], 0);

  if (self->training)
    {
      if (cfg.lr != before.lr)
        g_signal_emit (self, signals[LIVE_CHANGED], 0, "lr");
      if (cfg.noise_level != before.noise_level)
        g_signal_emit (self, signals[LIVE_CHANGED], 0, "noise");
      if (cfg.beta != before.beta)
        g_signal_emit (self, signals[LIVE_CHANGED], 0, "beta");
    }
}

static gboolean
folder_options_timeout_cb (gpointer user_data)
{
  BtlConfigPanel *self = user_data;

  self->folder_timeout_id = 0;
  g_signal_emit (self, signals[FOLDER_OPTIONS_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

/* One reload for a burst of edits (typing "16" is two changes). */
static void
on_folder_option_changed (BtlConfigPanel *self)
{
  if (self->updating)
    return;
  g_clear_handle_id (&self->folder_timeout_id, g_source_remove);
  self->folder_timeout_id = g_timeout_add (300, folder_options_timeout_cb, self);
}

/* The sidebar is taller than the window: scrolling it must not change
 * the spin buttons passing under the pointer (see btl-wheel.c). */
static void
stop_wheel_on_spins (BtlConfigPanel *self,
                     GtkWidget      *widget)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (GTK_IS_SPIN_BUTTON (c))
        btl_wheel_scrolls_list (c);
      else
        stop_wheel_on_spins (self, c);
    }
}

static void
btl_config_panel_dispose (GObject *object)
{
  BtlConfigPanel *self = BTL_CONFIG_PANEL (object);

  g_clear_handle_id (&self->folder_timeout_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), BTL_TYPE_CONFIG_PANEL);
  g_clear_pointer (&self->last_arch, g_free);
  g_clear_pointer (&self->error_labels, g_hash_table_unref);

  btl_render_cache_clear (&self->render_cache);
  G_OBJECT_CLASS (btl_config_panel_parent_class)->dispose (object);
}

/* A few hundred nodes that GSK's cairo renderer would walk for every
 * damaged frame of the window (btl-render-cache.h). */
static void
btl_config_panel_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  BtlConfigPanel *self = BTL_CONFIG_PANEL (widget);

  btl_render_cache_snapshot (&self->render_cache, widget, snapshot,
                             GTK_WIDGET_CLASS (btl_config_panel_parent_class)->snapshot);
}

static void
btl_config_panel_class_init (BtlConfigPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = btl_config_panel_dispose;
  widget_class->snapshot = btl_config_panel_snapshot;

  /**
   * BtlConfigPanel::changed:
   *
   * Any edit, accepted or not; see btl_config_panel_is_valid().
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * BtlConfigPanel::live-changed:
   * @key: "lr", "noise" or "beta"
   *
   * A live key was changed to a valid value while training.
   */
  signals[LIVE_CHANGED] =
    g_signal_new ("live-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * BtlConfigPanel::folder-options-changed:
   *
   * The person changed the tile size or the colours of a picture folder;
   * the folder should be loaded again with btl_config_panel_get_folder_options().
   */
  signals[FOLDER_OPTIONS_CHANGED] =
    g_signal_new ("folder-options-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/btl-config-panel.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "btlconfigpanel");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);

  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, box);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, kind);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, arch);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, latent);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, activation);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, loss);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, batch_norm);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, dropout);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, noise);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, noise_level);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, sparsity);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, sparsity_param);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, beta);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, optimizer);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, lr);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, batch);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, epochs);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, seed);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, threads);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, limit);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, folder_tile_label);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, folder_tile);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, folder_channels_label);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, folder_channels);
  gtk_widget_class_bind_template_callback (widget_class, on_folder_option_changed);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, summary_error);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, preview);
  gtk_widget_class_bind_template_child (widget_class, BtlConfigPanel, param_count);
  gtk_widget_class_bind_template_callback (widget_class, on_control_changed);
}

static void
btl_config_panel_init (BtlConfigPanel *self)
{
  NnConfig cfg;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* The error line under each control carries the name "<key>_error". */
  self->error_labels = g_hash_table_new (g_str_hash, g_str_equal);
  for (GtkWidget *grid = gtk_widget_get_first_child (self->box); grid; grid = gtk_widget_get_next_sibling (grid))
    if (GTK_IS_GRID (grid))
      for (GtkWidget *c = gtk_widget_get_first_child (grid); c; c = gtk_widget_get_next_sibling (c))
        if (g_str_has_suffix (gtk_widget_get_name (c), "_error"))
          g_hash_table_insert (self->error_labels, (gpointer) gtk_widget_get_name (c), c);

  /* Live keys commit on Enter or focus-out (see apply_live_key). */
  {
    GtkWidget *live[] = { GTK_WIDGET (self->lr), GTK_WIDGET (self->beta) };

    for (guint i = 0; i < G_N_ELEMENTS (live); i++)
      {
        GtkEventController *focus = gtk_event_controller_focus_new ();

        g_signal_connect_swapped (live[i], "activate", G_CALLBACK (on_live_entry_commit), self);
        g_signal_connect (focus, "leave", G_CALLBACK (on_live_entry_leave), self);
        gtk_widget_add_controller (live[i], focus);
      }
  }

  stop_wheel_on_spins (self, GTK_WIDGET (self));

  nn_config_init_default (&cfg);
  btl_config_panel_set_config (self, &cfg);
}

GtkWidget *
btl_config_panel_new (void)
{
  return g_object_new (BTL_TYPE_CONFIG_PANEL, NULL);
}

gboolean
btl_config_panel_get_config (BtlConfigPanel *self,
                             NnConfig       *cfg)
{
  g_return_val_if_fail (BTL_IS_CONFIG_PANEL (self), FALSE);
  g_return_val_if_fail (cfg != NULL, FALSE);

  *cfg = self->config;
  return self->valid;
}

void
btl_config_panel_commit (BtlConfigPanel *self)
{
  GtkRoot *root;
  GtkWidget *focus;
  GtkWidget *spin;

  g_return_if_fail (BTL_IS_CONFIG_PANEL (self));

  root = gtk_widget_get_root (GTK_WIDGET (self));
  focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self)))
    return;
  /* A spin button reads its text on Enter or focus-out only. */
  spin = gtk_widget_get_ancestor (focus, GTK_TYPE_SPIN_BUTTON);
  if (spin != NULL)
    gtk_spin_button_update (GTK_SPIN_BUTTON (spin));
  /* A live entry's text reaches the configuration on Enter or focus-out. */
  else if (gtk_widget_is_ancestor (focus, GTK_WIDGET (self->lr))
           || gtk_widget_is_ancestor (focus, GTK_WIDGET (self->beta)))
    on_live_entry_commit (self);
}

gboolean
btl_config_panel_is_valid (BtlConfigPanel *self)
{
  g_return_val_if_fail (BTL_IS_CONFIG_PANEL (self), FALSE);

  return self->valid;
}

void
btl_config_panel_set_config (BtlConfigPanel *self,
                             const NnConfig *cfg)
{
  g_autofree char *beta = NULL;
  g_autofree char *lr = NULL;
  g_autofree char *param = NULL;
  int latent;

  g_return_if_fail (BTL_IS_CONFIG_PANEL (self));
  g_return_if_fail (cfg != NULL);

  self->config = *cfg;
  self->updating = TRUE;

  gtk_drop_down_set_selected (self->kind, FIND_INDEX (kind_values, cfg->kind));
  gtk_editable_set_text (GTK_EDITABLE (self->arch), cfg->arch);
  latent = arch_latent (cfg->arch);
  gtk_widget_set_sensitive (GTK_WIDGET (self->latent), latent > 0 && !self->training);
  if (latent > 0)
    gtk_spin_button_set_value (self->latent, latent);
  gtk_drop_down_set_selected (self->activation, FIND_INDEX (act_values, cfg->activation));
  gtk_drop_down_set_selected (self->loss, FIND_INDEX (loss_values, cfg->loss));
  gtk_check_button_set_active (self->batch_norm, cfg->batch_norm);
  gtk_spin_button_set_value (self->dropout, cfg->dropout);
  gtk_drop_down_set_selected (self->noise, FIND_INDEX (noise_values, cfg->noise));
  gtk_spin_button_set_value (self->noise_level,
                             cfg->noise != NN_NOISE_NONE ? cfg->noise_level : 0.3);
  gtk_drop_down_set_selected (self->sparsity, FIND_INDEX (sparsity_values, cfg->sparsity));
  if (cfg->sparsity == NN_SPARSITY_KL)
    {
      g_autofree char *rho = format_double (cfg->sparsity_rho);
      g_autofree char *w = format_double (cfg->sparsity_lambda);

      param = g_strdup_printf ("%s,%s", rho, w);
    }
  else if (cfg->sparsity == NN_SPARSITY_L1)
    param = format_double (cfg->sparsity_lambda);
  else
    param = g_strdup ("1e-3");
  gtk_editable_set_text (GTK_EDITABLE (self->sparsity_param), param);
  beta = format_double (cfg->beta);
  gtk_editable_set_text (GTK_EDITABLE (self->beta), beta);
  gtk_drop_down_set_selected (self->optimizer, FIND_INDEX (optim_values, cfg->optimizer));
  lr = format_double (cfg->lr);
  gtk_editable_set_text (GTK_EDITABLE (self->lr), lr);
  gtk_spin_button_set_value (self->batch, cfg->batch);
  gtk_spin_button_set_value (self->epochs, cfg->epochs);
  gtk_spin_button_set_value (self->seed, (double) cfg->seed);
  gtk_spin_button_set_value (self->threads, cfg->threads);

  g_free (self->last_arch);
  self->last_arch = g_strdup (cfg->arch);
  self->last_latent = gtk_spin_button_get_value_as_int (self->latent);
  self->updating = FALSE;

  /* Re-read everything so errors and the preview match the new values. */
  on_control_changed (self);
}

void
btl_config_panel_set_input_shape (BtlConfigPanel *self,
                                  int             channels,
                                  int             height,
                                  int             width)
{
  NnConfig cfg;
  char buf[32];

  g_return_if_fail (BTL_IS_CONFIG_PANEL (self));

  cfg = self->config;
  cfg.in_channels = channels;
  cfg.in_height = height;
  cfg.in_width = width;

  /* A dense architecture starts with the input size: keep it in step. */
  if (g_ascii_isdigit (cfg.arch[0]) && strchr (cfg.arch, '-') != NULL)
    {
      const char *rest = strchr (cfg.arch, '-');
      g_autofree char *arch = NULL;

      g_snprintf (buf, sizeof buf, "%d", channels * height * width);
      arch = g_strconcat (buf, rest, NULL);
      g_strlcpy (cfg.arch, arch, sizeof cfg.arch);
    }

  btl_config_panel_set_config (self, &cfg);
}

void
btl_config_panel_set_training (BtlConfigPanel *self,
                               gboolean        training)
{
  GtkWidget *live[3];

  g_return_if_fail (BTL_IS_CONFIG_PANEL (self));

  self->training = !!training;

  /* A focused field made insensitive keeps blinking without a focus-out
   * (GTK 4.8 warns "GtkText - did not receive a focus-out event"): take
   * the focus away first, unless it is in a live key that stays on. */
  if (training)
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

      if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self))
          && !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->lr))
          && !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->beta))
          && !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->noise_level)))
        gtk_root_set_focus (root, NULL);
    }

  /* Everything but the live keys is frozen while a run uses it. */
  for (GtkWidget *child = gtk_widget_get_first_child (self->box);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_GRID (child))
        for (GtkWidget *c = gtk_widget_get_first_child (child); c; c = gtk_widget_get_next_sibling (c))
          if (!GTK_IS_LABEL (c))
            gtk_widget_set_sensitive (c, !training);
    }

  live[0] = GTK_WIDGET (self->lr);
  live[1] = GTK_WIDGET (self->beta);
  live[2] = GTK_WIDGET (self->noise_level);
  for (guint i = 0; i < G_N_ELEMENTS (live); i++)
    {
      GtkWidget *w = live[i];

      gtk_widget_set_sensitive (w, TRUE);
      /* noise_level sits in a box with the noise type: keep the box on. */
      if (gtk_widget_get_parent (w) != NULL && GTK_IS_BOX (gtk_widget_get_parent (w)))
        gtk_widget_set_sensitive (gtk_widget_get_parent (w), TRUE);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->noise), !training);
  gtk_widget_set_sensitive (GTK_WIDGET (self->noise_level),
                            self->config.noise != NN_NOISE_NONE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sparsity), !training);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sparsity_param), FALSE);
  if (!training)
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->sparsity_param),
                                self->config.sparsity != NN_SPARSITY_NONE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->latent), arch_latent (self->config.arch) > 0);
    }
  /* The sparsity box holds no live key. */
  gtk_widget_set_sensitive (gtk_widget_get_parent (GTK_WIDGET (self->sparsity)), !training);
}

int
btl_config_panel_get_train_limit (BtlConfigPanel *self)
{
  g_return_val_if_fail (BTL_IS_CONFIG_PANEL (self), 0);

  return gtk_spin_button_get_value_as_int (self->limit);
}

void
btl_config_panel_set_train_limit (BtlConfigPanel *self,
                                  int             limit)
{
  g_return_if_fail (BTL_IS_CONFIG_PANEL (self));

  gtk_spin_button_set_value (self->limit, MAX (limit, 0));
}

GtkWidget *
btl_config_panel_get_control (BtlConfigPanel *self,
                              const char     *key)
{
  g_return_val_if_fail (BTL_IS_CONFIG_PANEL (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (self), BTL_TYPE_CONFIG_PANEL, key));
}

void
btl_config_panel_set_picture_folder (BtlConfigPanel *self,
                                     gboolean        folder)
{
  g_return_if_fail (BTL_IS_CONFIG_PANEL (self));

  gtk_widget_set_visible (self->folder_tile_label, folder);
  gtk_widget_set_visible (GTK_WIDGET (self->folder_tile), folder);
  gtk_widget_set_visible (self->folder_channels_label, folder);
  gtk_widget_set_visible (GTK_WIDGET (self->folder_channels), folder);
}

void
btl_config_panel_get_folder_options (BtlConfigPanel *self,
                                     int            *tile,
                                     int            *channels)
{
  static const int channel_values[] = { 0, 1, 3 };
  guint selected;

  g_return_if_fail (BTL_IS_CONFIG_PANEL (self));

  selected = gtk_drop_down_get_selected (self->folder_channels);
  if (tile != NULL)
    *tile = gtk_spin_button_get_value_as_int (self->folder_tile);
  if (channels != NULL)
    *channels = channel_values[MIN (selected, G_N_ELEMENTS (channel_values) - 1)];
}
