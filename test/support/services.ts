/** Where the integration tests find the shared services; the defaults are what scripts/services.sh starts. */
export function testServiceUrls(): { mongodbUri: string; rabbitmqUrl: string } {
  return {
    mongodbUri: process.env.TEST_MONGODB_URI ?? 'mongodb://127.0.0.1:27017',
    rabbitmqUrl: process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  };
}
