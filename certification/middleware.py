"""Request boundary of the system of record."""

from certification.audit import audit_refusal_survive


class RefusalAuditMiddleware:
    """A page refused inside a transaction keeps its audit row: by the time the exception
    reaches middleware every atomic block of the view has exited (and rolled back)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        audit_refusal_survive(exception)
