import { Module } from '@nestjs/common';
import { ProjectsController } from './projects.controller';
import { ProjectsModule } from './projects.module';

/** /v1/projects, for the API process only (the worker needs the projects, not their routes). */
@Module({
  imports: [ProjectsModule],
  controllers: [ProjectsController],
})
export class ProjectsApiModule {}
