// Typesets the TeX that courses/markdown.py put in .math elements. Without JavaScript (or
// before this runs) the TeX source stays visible as text.
// trust: false keeps \href, \url and \html* from making links or attributes; maxSize and
// maxExpand keep a comment's TeX from drawing a box over the page or looping on macros.
document.querySelectorAll(".math").forEach((element) => {
  katex.render(element.textContent, element, {
    displayMode: element.classList.contains("display"),
    throwOnError: false,
    trust: false,
    maxSize: 20,
    maxExpand: 500,
  });
});
