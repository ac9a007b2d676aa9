"""Supply network redesign: a Pyomo MIP that sources strategic products and sizes capacity,
spare capacity and stockpiles across allied countries under caps on dependency on countries of
concern, solved with HiGHS. Inputs and results are Excel workbooks.

Data flows down: ``workbook`` (Excel -> ``Network``), ``build`` (``Network`` -> Pyomo model),
``solve`` (the one HiGHS wrapper), ``results`` (model -> tidy DataFrames), ``report`` (DataFrames
-> results workbook), ``cli`` (the command line).
"""

__version__ = "0.1.0"
