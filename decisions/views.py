from django.http import HttpRequest, HttpResponse


def case_list(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def case_detail(request: HttpRequest, key: str) -> HttpResponse:
    raise NotImplementedError


def guideline_detail(request: HttpRequest, slug: str) -> HttpResponse:
    raise NotImplementedError
