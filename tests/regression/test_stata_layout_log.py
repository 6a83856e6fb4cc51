"""Stata's layout of factor variables, against a Stata 17+ log with long value labels.

The log (public repository file, Stata 17 or later: "Coefficient", "std. err.") fits
``logit ... i.sector i.sexo_gerente ... i.tipo_local i.regimen`` and, after
``quietly regress`` on the same terms, ``estat vif``. Its data are not public, so only
the layout is compared: the rows' text right of the bar is taken from the log, and the
rows left of it (names, level labels, blank rows, widths) must come out as Stata
printed them. What it shows: with the default ``set lstretch on`` the first column
widens to the longest level label plus one (here 39 columns, a 105-column table), a
factor with more than one level is set apart by blank rows, a one-level labelled factor
(``sexo_gerente``) gets no blank row after it; ``estat vif`` does not widen, shows the
levels' codes and writes a one-level factor as ``1.sexo_ger~e``.
"""

from __future__ import annotations

import numpy as np

from mlxday2.regression import stata

# Source: a public Stata log of a study of Peruvian firms' formalization (found by the
# book's code search, file id 48410233276; its repository is not named there), which
# fits `logit op2021_original c.ruc##(i.region) ventas_k i.sector i.sexo_gerente
# productividad_k digital_score tributos_k salarios_k i.tipo_local i.regimen,
# vce(cluster ciiu_4dig)`; its coefficient rows from ventas_k to _cons.
LOGIT_ROWS = """\
                               ventas_k |   .0002815   .0000431     6.54   0.000      .000197    .0003659
                                        |
                                 sector |
                            Productivo  |  -.0426904    .103493    -0.41   0.680    -.2455329    .1601521
                             Servicios  |  -.0491771   .0809955    -0.61   0.544    -.2079254    .1095711
                                        |
                           sexo_gerente |
                                Hombre  |   .0321469   .0333163     0.96   0.335    -.0331519    .0974456
                        productividad_k |   .0131288   .0019953     6.58   0.000     .0092181    .0170395
                          digital_score |  -.1109475   .0235251    -4.72   0.000    -.1570558   -.0648393
                             tributos_k |  -.0001825   .0002759    -0.66   0.508    -.0007233    .0003583
                             salarios_k |   .0000544    .000067     0.81   0.417    -.0000769    .0001857
                                        |
                             tipo_local |
                             Alquilado  |  -.4589818   .0681475    -6.74   0.000    -.5925484   -.3254152
                                  Otro  |  -.4239409   .0724621    -5.85   0.000    -.5659641   -.2819178
                                        |
                                regimen |
Nuevo Régimen Único Simplificado (RUS)  |   .2830046   .0398454     7.10   0.000      .204909    .3611002
       Régimen Especial de Renta (RER)  |   .2302953   .0643892     3.58   0.000     .1040948    .3564957
         Régimen MYPE Tributario (RMT)  |   .6122861   .0785644     7.79   0.000     .4583027    .7662694
                  Régimen General (RG)  |   1.157923   .1793555     6.46   0.000      .806393    1.509454
                                        |
                                  _cons |   .1458162   .1126637     1.29   0.196    -.0750005    .3666329"""  # noqa: E501 (the log's 105 columns)

LOGIT_TERMS = [
    "ventas_k",
    "sector[Productivo]",
    "sector[Servicios]",
    "sexo_gerente[Hombre]",
    "productividad_k",
    "digital_score",
    "tributos_k",
    "salarios_k",
    "tipo_local[Alquilado]",
    "tipo_local[Otro]",
    "regimen[Nuevo Régimen Único Simplificado (RUS)]",
    "regimen[Régimen Especial de Renta (RER)]",
    "regimen[Régimen MYPE Tributario (RMT)]",
    "regimen[Régimen General (RG)]",
    "_cons",
]

# The same log, `estat vif` after `quietly regress op2021_original productividad_k
# tributos_k salarios_k digital_score ventas_k i.sexo_gerente i.region i.sector
# i.regimen i.tipo_local`.
VIF_LOG = """\
    Variable |       VIF       1/VIF  
-------------+----------------------
productivi~k |      1.54    0.649982
  tributos_k |      1.18    0.844661
  salarios_k |      1.26    0.791966
digital_sc~e |      1.20    0.836262
    ventas_k |      1.57    0.636190
1.sexo_ger~e |      1.07    0.938462
      region |
          1  |      1.06    0.939990
          2  |      1.06    0.941813
      sector |
          1  |      1.07    0.933698
          2  |      1.15    0.869957
     regimen |
          1  |      1.24    0.808538
          2  |      1.15    0.868857
          3  |      1.24    0.805999
          4  |      1.37    0.731286
  tipo_local |
          1  |      1.09    0.916702
          2  |      1.03    0.974978
-------------+----------------------
    Mean VIF |      1.20"""  # noqa: W291 (Stata's header ends in two spaces)

VIF_TERMS = [
    "productividad_k",
    "tributos_k",
    "salarios_k",
    "digital_score",
    "ventas_k",
    "sexo_gerente[1]",
    "region[1]",
    "region[2]",
    "sector[1]",
    "sector[2]",
    *(f"regimen[{c}]" for c in range(1, 5)),
    "tipo_local[1]",
    "tipo_local[2]",
]


def test_regress_rows_widen_and_separate_factor_blocks_as_the_log():
    log = LOGIT_ROWS.splitlines()
    width = stata._stub_width(LOGIT_TERMS, linesize=None)
    assert width == 39  # the longest label (38 characters) plus one
    assert stata._stub_width(LOGIT_TERMS, linesize=106) == 39  # 105 columns fit
    assert stata._stub_width(LOGIT_TERMS, linesize=80) == 13  # table <= 79 columns
    cells = [row.split("|", 1)[1] for row in log if row.split("|", 1)[1]]
    assert stata._block_rows(LOGIT_TERMS, cells, width=width) == log


def test_estat_vif_rows_as_the_log():
    log = VIF_LOG.splitlines()
    inverse = [float(row.split()[-1]) for row in log[2:-2] if not row.endswith("|")]
    values = np.column_stack([1 / np.array(inverse), inverse])
    assert len(values) == len(VIF_TERMS)
    assert stata._vif_lines(VIF_TERMS, values, 1.20).splitlines() == log
