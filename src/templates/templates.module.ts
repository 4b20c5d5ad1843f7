import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module';
import { Template, TemplateSchema } from './template.schema';
import { TemplatesController } from './templates.controller';
import { TemplatesRepository } from './templates.repository';
import { TemplatesService } from './templates.service';

/** Message templates: the REST API and the renderer sends use. */
@Module({
  imports: [MongooseModule.forFeature([{ name: Template.name, schema: TemplateSchema }]), AuditModule],
  controllers: [TemplatesController],
  providers: [TemplatesRepository, TemplatesService],
  exports: [TemplatesService],
})
export class TemplatesModule {}
