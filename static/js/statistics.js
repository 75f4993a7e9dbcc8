/* Sortable statistics tables: a button in each column heading sorts the rows by that column
   (numbers by their data-sort value), again to reverse. Without JavaScript the tables stay in
   their server order (largest groups first). Loaded from a file: the pages allow no inline script. */
(function () {
  "use strict";

  function cellValue(row, column) {
    var cell = row.children[column];
    var sort = cell && cell.getAttribute("data-sort");
    if (sort !== null && sort !== "" && sort !== "None") return parseFloat(sort);
    return cell ? cell.textContent.trim().toLowerCase() : "";
  }

  function sortBy(table, column, heading) {
    var body = table.tBodies[0];
    var descending = heading.getAttribute("aria-sort") !== "descending";
    var rows = Array.from(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, column), y = cellValue(b, column);
      if (x === y) return 0;
      if (typeof x !== typeof y) return typeof x === "number" ? -1 : 1;
      return (x < y ? -1 : 1) * (descending ? -1 : 1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.from(table.tHead.rows[0].cells).forEach(function (cell) { cell.removeAttribute("aria-sort"); });
    heading.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    Array.from(table.tHead.rows[0].cells).forEach(function (heading, column) {
      var button = document.createElement("button");
      button.type = "button";
      while (heading.firstChild) button.appendChild(heading.firstChild);
      heading.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, column, heading); });
    });
  });
})();
