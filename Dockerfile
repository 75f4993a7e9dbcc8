# Image for the web server and the task worker (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    IMR_DATA_DIR=/data

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-runtime-secret-0123456789abcdef DATABASE_URL=postgresql://build@localhost/build \
    DJANGO_ALLOWED_HOSTS=build python manage.py collectstatic --noinput

RUN useradd --create-home --uid 1000 imr && mkdir -p /data && chown imr /data
USER imr
EXPOSE 8000
CMD ["gunicorn", "imrsite.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
